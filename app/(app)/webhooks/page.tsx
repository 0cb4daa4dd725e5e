import type { Metadata } from 'next';
import { WebhookList } from '@/components/triggers/WebhookList';

export const metadata: Metadata = { title: 'Webhooks' };

export default function WebhooksPage() {
  return <WebhookList />;
}
