import { TRPCError } from '@trpc/server';
import { UserError, type UserErrorKind } from '../engine/errors';

const trpcCodes: Record<UserErrorKind, TRPCError['code']> = {
  invalid: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  too_large: 'PAYLOAD_TOO_LARGE',
  unprocessable: 'UNPROCESSABLE_CONTENT',
  too_many_requests: 'TOO_MANY_REQUESTS',
};

/** The one place engine errors become tRPC errors; anything else stays an internal error. */
export function toTRPCError(error: unknown): TRPCError | undefined {
  if (error instanceof UserError)
    return new TRPCError({ code: trpcCodes[error.kind], message: error.message, cause: error });
  return undefined;
}
