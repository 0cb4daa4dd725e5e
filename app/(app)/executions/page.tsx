import type { Metadata } from 'next';
import { Suspense } from 'react';
import { ExecutionList } from '@/components/executions/ExecutionList';

export const metadata: Metadata = { title: 'Executions' };

export default function ExecutionsPage() {
  // The list reads its filters from the address; Suspense lets Next render the page around that.
  return (
    <Suspense>
      <ExecutionList />
    </Suspense>
  );
}
