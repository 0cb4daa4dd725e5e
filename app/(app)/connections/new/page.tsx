import type { Metadata } from 'next';
import { ConnectionEditor } from '@/components/connections/ConnectionEditor';

export const metadata: Metadata = { title: 'New connection' };

export default function NewConnectionPage() {
  return <ConnectionEditor />;
}
