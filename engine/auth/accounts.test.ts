import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { countUsers, findUserByEmail } from '../store/users';
import {
  createFirstAdmin,
  createUser,
  EmailTakenError,
  ensureAdmin,
  InvalidAccountError,
  SetupAlreadyDoneError,
  verifyCredentials,
} from './accounts';
import { FailureRateLimiter } from './rate-limit';
import { signIn } from './sign-in';

const { db } = await createTestDatabase();

describe('accounts', () => {
  it('creates exactly one first admin even when two set-ups race, then refuses set-up', async () => {
    const results = await Promise.allSettled([
      createFirstAdmin(db, { email: 'first@example.com', password: 'password one' }),
      createFirstAdmin(db, { email: 'second@example.com', password: 'password two' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(SetupAlreadyDoneError);
    expect(await countUsers(db)).toBe(1);
    await expect(
      createFirstAdmin(db, { email: 'late@example.com', password: 'password three' }),
    ).rejects.toThrow(/already has an administrator/);
  });

  it('stores an argon2id hash, never the password', async () => {
    await createUser(db, { email: 'Hash@Example.com', password: 'plain secret 1' }, { isAdmin: false });
    const row = await findUserByEmail(db, 'hash@example.com');
    expect(row?.email).toBe('hash@example.com');
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);
    expect(row?.password_hash).not.toContain('plain secret 1');
  });

  it('names the field of a bad email or short password', async () => {
    await expect(
      createUser(db, { email: 'nope', password: 'long enough' }, { isAdmin: false }),
    ).rejects.toThrow(InvalidAccountError);
    await expect(
      createUser(db, { email: 'x@example.com', password: 'short' }, { isAdmin: false }),
    ).rejects.toThrow(/password: at least 8 characters/);
  });

  it('refuses a second account with the same email in any case', async () => {
    await createUser(db, { email: 'dup@example.com', password: 'password 123' }, { isAdmin: false });
    await expect(
      createUser(db, { email: 'DUP@example.com', password: 'password 456' }, { isAdmin: false }),
    ).rejects.toThrow(EmailTakenError);
  });

  it('ensureAdmin creates the configured admin once and leaves an existing account alone', async () => {
    expect(await ensureAdmin(db, { email: 'boot@example.com', password: 'boot password' })).toBe('created');
    expect(await ensureAdmin(db, { email: 'boot@example.com', password: 'other password' })).toBe('exists');
    expect(await verifyCredentials(db, 'boot@example.com', 'boot password')).toMatchObject({
      is_admin: true,
    });
  });

  it('verifies credentials: right password, wrong password, unknown email', async () => {
    await createUser(db, { email: 'cred@example.com', password: 'right password' }, { isAdmin: false });
    expect(await verifyCredentials(db, 'CRED@example.com', 'right password')).toMatchObject({
      email: 'cred@example.com',
    });
    expect(await verifyCredentials(db, 'cred@example.com', 'wrong password')).toBeNull();
    expect(await verifyCredentials(db, 'nobody@example.com', 'right password')).toBeNull();
  });
});

describe('signIn', () => {
  const limits = () => ({
    perAccount: new FailureRateLimiter({ maxFailures: 3, windowMs: 60_000 }),
    perAddress: new FailureRateLimiter({ maxFailures: 5, windowMs: 60_000 }),
  });

  it('locks an account after a few failures, even with the right password, and says how long to wait', async () => {
    await createUser(db, { email: 'limited@example.com', password: 'right password' }, { isAdmin: false });
    const l = limits();
    for (let i = 0; i < 3; i++) {
      const result = await signIn(db, l, {
        email: 'limited@example.com',
        password: 'wrong',
        clientAddress: `10.0.0.${i}`,
      });
      expect(result).toMatchObject({
        ok: false,
        reason: 'invalid_credentials',
        message: 'Wrong email or password.',
      });
    }
    const blocked = await signIn(db, l, {
      email: 'Limited@example.com',
      password: 'right password',
      clientAddress: '10.0.0.9',
    });
    expect(blocked).toMatchObject({ ok: false, reason: 'rate_limited' });
    expect(!blocked.ok && blocked.message).toMatch(/^Too many failed sign-ins; try again in \d+ seconds?\.$/);
    expect(
      (await signIn(db, l, { email: 'cred2@example.com', password: 'x', clientAddress: '10.0.0.9' })).ok,
    ).toBe(false);
  });

  it('limits one client address spraying many accounts', async () => {
    const l = limits();
    for (let i = 0; i < 5; i++) {
      await signIn(db, l, { email: `spray${i}@example.com`, password: 'guess', clientAddress: '192.0.2.1' });
    }
    const blocked = await signIn(db, l, {
      email: 'spray9@example.com',
      password: 'guess',
      clientAddress: '192.0.2.1',
    });
    expect(blocked).toMatchObject({ ok: false, reason: 'rate_limited' });
    const elsewhere = await signIn(db, l, {
      email: 'spray9@example.com',
      password: 'guess',
      clientAddress: '192.0.2.2',
    });
    expect(elsewhere).toMatchObject({ ok: false, reason: 'invalid_credentials' });
  });

  it('signs in with the right password and clears the account count', async () => {
    await createUser(db, { email: 'ok@example.com', password: 'right password' }, { isAdmin: false });
    const l = limits();
    await signIn(db, l, { email: 'ok@example.com', password: 'wrong', clientAddress: '198.51.100.1' });
    await signIn(db, l, { email: 'ok@example.com', password: 'wrong', clientAddress: '198.51.100.1' });
    const result = await signIn(db, l, {
      email: 'ok@example.com',
      password: 'right password',
      clientAddress: '198.51.100.1',
    });
    expect(result).toMatchObject({ ok: true, user: { email: 'ok@example.com' } });
    expect(l.perAccount.retryAfterSeconds('ok@example.com')).toBe(0);
  });
});
