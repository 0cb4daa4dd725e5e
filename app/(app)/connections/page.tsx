import type { Metadata } from 'next';
import { ConnectionList } from '@/components/connections/ConnectionList';

export const metadata: Metadata = { title: 'Connections' };

export default function ConnectionsPage() {
  return <ConnectionList />;
}
