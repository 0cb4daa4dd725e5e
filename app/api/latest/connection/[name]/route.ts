import {
  deleteConnectionEndpoint,
  getConnectionEndpoint,
  updateConnectionEndpoint,
} from '@/server/rest/endpoints/connections';
import { restRoutes } from '@/server/rest/http';

export const { GET, POST, PATCH, PUT, DELETE } = restRoutes(
  getConnectionEndpoint,
  updateConnectionEndpoint,
  deleteConnectionEndpoint,
);
