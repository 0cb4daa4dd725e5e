import {
  deleteConnectionEndpoint,
  getConnectionEndpoint,
  updateConnectionEndpoint,
} from '@/server/rest/endpoints/connections';
import { restRoute } from '@/server/rest/http';

export const GET = restRoute(getConnectionEndpoint);
export const PATCH = restRoute(updateConnectionEndpoint);
export const DELETE = restRoute(deleteConnectionEndpoint);
