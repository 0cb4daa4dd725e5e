import type { Db } from '../store/db';
import type { PublicUser } from '../store/users';
import { verifyCredentials } from './accounts';
import { FailureBackoff, FailureRateLimiter } from './rate-limit';

export type SignInResult =
  | { ok: true; user: PublicUser }
  | { ok: false; reason: 'invalid_credentials' | 'rate_limited' | 'deactivated'; message: string };

/**
 * `perAccountAddress`: one account from one client address, slowed down with backoff. `perAddress`: one
 * client address over all accounts (a spray). Nothing counts an account over all addresses: that would
 * let anyone lock its owner out by failing on purpose (docs/auth.md).
 */
export type SignInLimits = { perAccountAddress: FailureBackoff; perAddress: FailureRateLimiter };

/**
 * 5 free failures per account and address (typos), then a wait that doubles from 2 s to at most 15 min
 * (guessing from one address: about 100 tries a day); 20 failures per minute per address.
 */
export function defaultSignInLimits(): SignInLimits {
  return {
    perAccountAddress: new FailureBackoff({
      freeFailures: 5,
      baseMs: 2_000,
      maxMs: 15 * 60_000,
      forgetMs: 60 * 60_000,
    }),
    perAddress: new FailureRateLimiter({ maxFailures: 20, windowMs: 60_000 }),
  };
}

/**
 * Checks a sign-in attempt. Refused attempts while limited are not verified at all (no hashing
 * cost for the attacker to impose) and do not extend the wait. Only the attempting address's own
 * failures can refuse it: an address that has not failed signs in with the right password whatever
 * others do to the account.
 */
export async function signIn(
  db: Db,
  limits: SignInLimits,
  attempt: { email: string; password: string; clientAddress: string | null },
): Promise<SignInResult> {
  const accountKey = attempt.email.trim().toLowerCase();
  const addressKey = attempt.clientAddress ?? 'unknown';
  const pairKey = `${accountKey}\n${addressKey}`;
  const wait = Math.max(
    limits.perAccountAddress.retryAfterSeconds(pairKey),
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
    limits.perAccountAddress.recordFailure(pairKey);
    limits.perAddress.recordFailure(addressKey);
    return { ok: false, reason: 'invalid_credentials', message: 'Wrong email or password.' };
  }
  limits.perAccountAddress.reset(pairKey);
  // Only said to someone who knows the password: it tells them whom to ask.
  if (user.deactivated_at) {
    return {
      ok: false,
      reason: 'deactivated',
      message: 'This account has been deactivated; ask an administrator.',
    };
  }
  return { ok: true, user };
}
