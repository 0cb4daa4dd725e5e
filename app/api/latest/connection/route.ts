import { createConnectionEndpoint, listConnectionsEndpoint } from '@/server/rest/endpoints/connections';
import { restRoute } from '@/server/rest/http';

export const GET = restRoute(listConnectionsEndpoint);
export const POST = restRoute(createConnectionEndpoint);
