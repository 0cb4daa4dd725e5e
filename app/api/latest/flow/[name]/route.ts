import { deleteFlowEndpoint, getFlowEndpoint, updateFlowEndpoint } from '@/server/rest/endpoints/flows';
import { restRoute } from '@/server/rest/http';

export const GET = restRoute(getFlowEndpoint);
export const PATCH = restRoute(updateFlowEndpoint);
export const DELETE = restRoute(deleteFlowEndpoint);
