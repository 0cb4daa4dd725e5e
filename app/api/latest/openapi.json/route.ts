import { openApiEndpoint } from '@/server/rest/endpoints/openapi';
import { restRoute } from '@/server/rest/http';

export const GET = restRoute(openApiEndpoint);
