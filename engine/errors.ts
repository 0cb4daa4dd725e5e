/**
 * What kind of mistake an error reports, so each edge (tRPC, REST) maps it to its own status in one
 * place: `invalid` -> 400, `unauthorized` -> 401, `forbidden` -> 403, `not_found` -> 404,
 * `conflict` -> 409, `too_large` -> 413, `unprocessable` -> 422 (well-formed, but cannot be done as
 * asked: an idempotency key reused for another request), `too_many_requests` -> 429.
 */
export type UserErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unprocessable'
  | 'too_many_requests';

/** An error a user can act on: its message says what was wrong and is safe to show. */
export abstract class UserError extends Error {
  abstract readonly kind: UserErrorKind;
}
