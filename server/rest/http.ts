import type { z } from 'zod';
import { authenticateApiRequest } from './auth';
import { routeHandler, type Endpoint } from './endpoint';
import { toApiError } from './map-error';

/** A Next.js route handler for one endpoint, with Flowline's authentication and error mapping. */
export function restRoute<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
>(endpoint: Endpoint<P, Q, B>) {
  return routeHandler(endpoint, authenticateApiRequest, toApiError);
}
