import { webhookRoutes } from '@/server/rest/webhook';

// A webhook call and every sub-path below it (server/rest/webhook.ts; docs/triggers.md).
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = webhookRoutes();
