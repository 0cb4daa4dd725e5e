import { getExecutionEndpoint } from '@/server/rest/endpoints/executions';
import { restRoute } from '@/server/rest/http';

export const GET = restRoute(getExecutionEndpoint);
