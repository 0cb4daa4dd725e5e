import { cancelExecutionEndpoint } from '@/server/rest/endpoints/executions';
import { restRoute } from '@/server/rest/http';

export const POST = restRoute(cancelExecutionEndpoint);
