import { verifyApiToken } from '../../engine/auth/api-tokens';
import type { PublicUser } from '../../engine/store/users';
import { getDb } from '../db';

export type BearerAuthentication =
  | { ok: true; user: PublicUser; tokenId: string }
  | { ok: false; status: 401; code: 'UNAUTHORIZED'; message: string };

const failures = {
  missing: 'Send an API token as `Authorization: Bearer <token>` (create one under Settings -> API tokens).',
  malformed: 'The Authorization header must be `Bearer <token>` with a Flowline API token (flt_...).',
  unknown: 'This API token is not valid.',
  revoked: 'This API token was revoked.',
  deactivated: "This API token's user has been deactivated.",
  passwordChange: "This API token's user must choose a new password first (sign in to Flowline).",
} as const;

/**
 * Authenticates a REST request by its API token. A failure is a value the route turns into its 401
 * answer; the token itself never appears in it.
 */
export async function authenticateBearer(request: Request): Promise<BearerAuthentication> {
  const header = request.headers.get('authorization');
  if (!header) return fail('missing');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) return fail('malformed');
  const result = await verifyApiToken(getDb(), match[1]);
  if (result.ok) {
    // An administrator reset this user's password (it may have been compromised): their tokens wait
    // until they have chosen a new one.
    if (result.user.must_change_password) return fail('passwordChange');
    return result;
  }
  if (result.reason === 'expired') {
    return refuse(`This API token expired at ${result.expiredAt.toISOString()}; create a new one.`);
  }
  return fail(result.reason);
}

function fail(reason: keyof typeof failures): BearerAuthentication {
  return refuse(failures[reason]);
}

function refuse(message: string): BearerAuthentication {
  return { ok: false, status: 401, code: 'UNAUTHORIZED', message };
}
