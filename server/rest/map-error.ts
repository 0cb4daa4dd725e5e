import { UserError, type UserErrorKind } from '../../engine/errors';
import { InvalidGraphError } from '../../engine/graph/issues';
import { ApiError } from './errors';

const statusOf: Record<UserErrorKind, ApiError['status']> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  too_many_requests: 429,
};

/** The one place engine errors become REST answers; anything unexpected is a logged 500 without details. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof InvalidGraphError) {
    return new ApiError(400, error.kind, error.message, error.issues[0]?.path, error.issues);
  }
  if (error instanceof UserError) return new ApiError(statusOf[error.kind], error.kind, error.message);
  console.error('[flowline] REST request failed:', error);
  return new ApiError(
    500,
    'internal',
    'Flowline could not complete the request; the server log has the details',
  );
}
