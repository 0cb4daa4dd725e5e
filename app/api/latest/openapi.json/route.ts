import { openApiEndpoint } from '@/server/rest/endpoints/openapi';
import { restRoutes } from '@/server/rest/http';

export const { GET, POST, PATCH, PUT, DELETE } = restRoutes(openApiEndpoint);
