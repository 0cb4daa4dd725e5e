import crypto from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../errors';
import type { Db } from '../store/db';
import {
  findApiTokenByHash,
  insertApiToken,
  revokeApiToken,
  touchApiToken,
  type ApiTokenSummary,
} from '../store/api-tokens';
import type { PublicUser } from '../store/users';

export const API_TOKEN_PREFIX = 'flt_';
const TOKEN_PATTERN = /^flt_[A-Za-z0-9_-]{43}$/;
/** How much of a token is stored in clear and shown in lists, so users can tell tokens apart. */
const SHOWN_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 6;

export class InvalidApiTokenNameError extends UserError {
  override name = 'InvalidApiTokenNameError';
  readonly kind = 'invalid';
}

export class InvalidApiTokenExpiryError extends UserError {
  override name = 'InvalidApiTokenExpiryError';
  readonly kind = 'invalid';
}

export class ApiTokenNotFoundError extends UserError {
  override name = 'ApiTokenNotFoundError';
  readonly kind = 'not_found';
}

export const apiTokenNameSchema = z
  .string()
  .trim()
  .min(1, 'A token name must not be blank.')
  .max(64, 'A token name must be at most 64 characters.');

export function hashApiToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export const MAX_API_TOKEN_DAYS = 3650;

/** A token's lifetime in days; the messages leave the field's name to where it is reported. */
export const apiTokenExpirySchema = z
  .int('a whole number of days')
  .min(1, 'at least 1 day')
  .max(MAX_API_TOKEN_DAYS, `at most ${MAX_API_TOKEN_DAYS} days`);

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Creates a token for the user, valid for `expiresInDays` or, without it, until revoked. The token
 * itself is returned once and never stored.
 */
export async function createApiToken(
  db: Db,
  userId: string,
  name: string,
  options: { expiresInDays?: number } = {},
): Promise<{ token: string; summary: ApiTokenSummary }> {
  const parsedName = apiTokenNameSchema.safeParse(name);
  if (!parsedName.success)
    throw new InvalidApiTokenNameError(parsedName.error.issues[0]?.message ?? 'Invalid name.');
  const parsedDays = apiTokenExpirySchema.optional().safeParse(options.expiresInDays);
  if (!parsedDays.success)
    throw new InvalidApiTokenExpiryError(
      `expiresInDays: ${parsedDays.error.issues[0]?.message ?? 'invalid'}`,
    );
  const token = API_TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
  const summary = await insertApiToken(db, {
    userId,
    name: parsedName.data,
    prefix: token.slice(0, SHOWN_PREFIX_LENGTH),
    tokenHash: hashApiToken(token),
    expiresAt: parsedDays.data === undefined ? null : new Date(Date.now() + parsedDays.data * DAY_MS),
  });
  return { token, summary };
}

export async function revokeUserApiToken(db: Db, userId: string, tokenId: string): Promise<void> {
  if (!(await revokeApiToken(db, userId, tokenId))) {
    throw new ApiTokenNotFoundError('This token does not exist or was already revoked.');
  }
}

const LAST_USED_PRECISION_MS = 60_000;

export type ApiTokenVerification =
  | { ok: true; user: PublicUser; tokenId: string }
  | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'deactivated' }
  | { ok: false; reason: 'expired'; expiredAt: Date };

/**
 * Looks a presented token up by its SHA-256 hash and compares the hashes in constant time (the
 * lookup cannot leak a token: an attacker only learns about hashes of tokens they sent). A token
 * that passes has its last use recorded.
 */
export async function verifyApiToken(db: Db, presented: string): Promise<ApiTokenVerification> {
  if (!TOKEN_PATTERN.test(presented)) return { ok: false, reason: 'malformed' };
  const presentedHash = hashApiToken(presented);
  const found = await findApiTokenByHash(db, presentedHash);
  if (!found) return { ok: false, reason: 'unknown' };
  const equal = crypto.timingSafeEqual(
    Buffer.from(found.tokenHash, 'hex'),
    Buffer.from(presentedHash, 'hex'),
  );
  if (!equal) return { ok: false, reason: 'unknown' };
  if (found.revoked) return { ok: false, reason: 'revoked' };
  if (found.user.deactivated_at) return { ok: false, reason: 'deactivated' };
  if (found.expiresAt && found.expiresAt.getTime() <= Date.now()) {
    return { ok: false, reason: 'expired', expiredAt: found.expiresAt };
  }
  // "Last used" to the minute is plenty, and saves a committed write on every API request.
  if (!found.lastUsedAt || Date.now() - found.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
    await touchApiToken(db, found.tokenId);
  }
  return { ok: true, user: found.user, tokenId: found.tokenId };
}
