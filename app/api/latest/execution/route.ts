import { listExecutionsEndpoint, startExecutionEndpoint } from '@/server/rest/endpoints/executions';
import { restRoute } from '@/server/rest/http';

export const GET = restRoute(listExecutionsEndpoint);
export const POST = restRoute(startExecutionEndpoint);
