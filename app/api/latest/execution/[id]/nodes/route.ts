import { executionNodesEndpoint } from '@/server/rest/endpoints/executions';
import { restRoutes } from '@/server/rest/http';

export const { GET, POST, PATCH, PUT, DELETE } = restRoutes(executionNodesEndpoint);
