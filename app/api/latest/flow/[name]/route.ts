import { deleteFlowEndpoint, getFlowEndpoint, updateFlowEndpoint } from '@/server/rest/endpoints/flows';
import { restRoutes } from '@/server/rest/http';

export const { GET, POST, PATCH, PUT, DELETE } = restRoutes(
  getFlowEndpoint,
  updateFlowEndpoint,
  deleteFlowEndpoint,
);
