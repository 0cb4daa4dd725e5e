import type { Db } from '../store/db';
import type { PublicUser } from '../store/users';
import { verifyCredentials } from './accounts';
import { FailureRateLimiter } from './rate-limit';

export type SignInResult =
  | { ok: true; user: PublicUser }
  | { ok: false; reason: 'invalid_credentials' | 'rate_limited'; message: string };

export type SignInLimits = { perAccount: FailureRateLimiter; perAddress: FailureRateLimiter };

/** A few failures per minute per account and per client address, as the sign-in page promises. */
export function defaultSignInLimits(): SignInLimits {
  return {
    perAccount: new FailureRateLimiter({ maxFailures: 5, windowMs: 60_000 }),
    perAddress: new FailureRateLimiter({ maxFailures: 20, windowMs: 60_000 }),
  };
}

/**
 * Checks a sign-in attempt. Refused attempts while limited are not verified at all (no hashing
 * cost for the attacker to impose) and do not extend the wait.
 */
export async function signIn(
  db: Db,
  limits: SignInLimits,
  attempt: { email: string; password: string; clientAddress: string | null },
): Promise<SignInResult> {
  const accountKey = attempt.email.trim().toLowerCase();
  const addressKey = attempt.clientAddress ?? 'unknown';
  const wait = Math.max(
    limits.perAccount.retryAfterSeconds(accountKey),
    limits.perAddress.retryAfterSeconds(addressKey),
  );
  if (wait > 0) {
    return {
      ok: false,
      reason: 'rate_limited',
      message: `Too many failed sign-ins; try again in ${wait} second${wait === 1 ? '' : 's'}.`,
    };
  }
  const user = await verifyCredentials(db, accountKey, attempt.password);
  if (!user) {
    limits.perAccount.recordFailure(accountKey);
    limits.perAddress.recordFailure(addressKey);
    return { ok: false, reason: 'invalid_credentials', message: 'Wrong email or password.' };
  }
  limits.perAccount.reset(accountKey);
  return { ok: true, user };
}
