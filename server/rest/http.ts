import type { z } from 'zod';
import { authenticateApiRequest } from './auth';
import { HTTP_METHODS, methodNotAllowed, routeHandler, type Endpoint, type HttpMethod } from './endpoint';
import { ApiError, errorResponse } from './errors';
import { toApiError } from './map-error';

/** A Next.js route handler for one endpoint, with Flowline's authentication and error mapping. */
export function restRoute<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  H extends z.ZodType | undefined,
>(endpoint: Endpoint<P, Q, B, H>) {
  return routeHandler(endpoint, authenticateApiRequest, toApiError);
}

type RouteHandler = ReturnType<typeof restRoute>;

/**
 * Every method of one path: the endpoints' handlers, and a JSON 405 for the others. Next.js itself
 * would answer those with an empty body, and the API answers JSON always.
 */
export function restRoutes(...endpoints: Endpoint[]): Record<HttpMethod, RouteHandler> {
  const allowed = endpoints.map((endpoint) => endpoint.method);
  const notAllowed = methodNotAllowed(allowed);
  const routes = {} as Record<HttpMethod, RouteHandler>;
  for (const method of HTTP_METHODS) routes[method] = notAllowed;
  for (const endpoint of endpoints) routes[endpoint.method] = restRoute(endpoint);
  return routes;
}

/** Paths below /api/latest that no endpoint has: a JSON 404, not Next.js's HTML page. */
export async function unknownApiPath(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  return errorResponse(
    new ApiError(404, 'not_found', `No such API path: ${pathname} (see /api/latest/openapi.json)`, 'path'),
  );
}
