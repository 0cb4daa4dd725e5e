import { convertFlowEndpoint } from '@/server/rest/endpoints/flows';
import { restRoutes } from '@/server/rest/http';

export const { GET, POST, PATCH, PUT, DELETE } = restRoutes(convertFlowEndpoint);
