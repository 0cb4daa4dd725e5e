import { createFlowEndpoint, listFlowsEndpoint } from '@/server/rest/endpoints/flows';
import { restRoute } from '@/server/rest/http';

export const GET = restRoute(listFlowsEndpoint);
export const POST = restRoute(createFlowEndpoint);
