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
import { FailureBackoff, FailureRateLimiter } from './rate-limit';
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
  const clock = { now: 1_000_000 };
  const limits = () => ({
    perAccountAddress: new FailureBackoff({
      freeFailures: 3,
      baseMs: 1_000,
      maxMs: 60_000,
      forgetMs: 3_600_000,
      now: () => clock.now,
    }),
    perAddress: new FailureRateLimiter({ maxFailures: 8, windowMs: 60_000, now: () => clock.now }),
  });
  const wrongFrom = (l: ReturnType<typeof limits>, email: string, clientAddress: string) =>
    signIn(db, l, { email, password: 'wrong', clientAddress });

  it('never refuses the right password from an address that has not failed, however the account is attacked', async () => {
    await createUser(db, { email: 'target@example.com', password: 'right password' }, { isAdmin: true });
    const l = limits();
    // One attacker hammering from one address, and a few more from others.
    for (let i = 0; i < 5; i++) await wrongFrom(l, 'target@example.com', '203.0.113.1');
    for (let i = 0; i < 10; i++) await wrongFrom(l, 'Target@example.com', `203.0.113.${10 + i}`);
    expect(
      await signIn(db, l, {
        email: 'target@example.com',
        password: 'right password',
        clientAddress: '203.0.113.1',
      }),
    ).toMatchObject({ ok: false, reason: 'rate_limited' });

    const owner = await signIn(db, l, {
      email: 'target@example.com',
      password: 'right password',
      clientAddress: '198.51.100.7',
    });
    expect(owner).toMatchObject({ ok: true, user: { email: 'target@example.com' } });
  });

  it('slows one account from one address down with waits that double, even for the right password', async () => {
    await createUser(db, { email: 'limited@example.com', password: 'right password' }, { isAdmin: false });
    const l = limits();
    for (let i = 0; i < 3; i++) {
      expect(await wrongFrom(l, 'limited@example.com', '10.0.0.1')).toMatchObject({
        ok: false,
        reason: 'invalid_credentials',
        message: 'Wrong email or password.',
      });
    }
    const right = { email: 'Limited@example.com', password: 'right password', clientAddress: '10.0.0.1' };
    const blocked = await signIn(db, l, right);
    expect(blocked).toMatchObject({
      ok: false,
      reason: 'rate_limited',
      message: 'Too many failed sign-ins; try again in 1 second.',
    });
    clock.now += 1_000;
    expect(await wrongFrom(l, 'limited@example.com', '10.0.0.1')).toMatchObject({
      reason: 'invalid_credentials',
    });
    expect(await signIn(db, l, right)).toMatchObject({
      message: 'Too many failed sign-ins; try again in 2 seconds.',
    });
    clock.now += 2_000;
    expect(await wrongFrom(l, 'limited@example.com', '10.0.0.1')).toMatchObject({
      reason: 'invalid_credentials',
    });
    expect(await signIn(db, l, right)).toMatchObject({
      message: 'Too many failed sign-ins; try again in 4 seconds.',
    });
    // Another account from the same address is not slowed down by this one's failures.
    expect(await wrongFrom(l, 'someone-else@example.com', '10.0.0.1')).toMatchObject({
      reason: 'invalid_credentials',
    });
    clock.now += 4_000;
    expect(await signIn(db, l, right)).toMatchObject({ ok: true });
    expect(l.perAccountAddress.retryAfterSeconds('limited@example.com\n10.0.0.1')).toBe(0);
  });

  it('limits one client address spraying many accounts', async () => {
    const l = limits();
    for (let i = 0; i < 8; i++) {
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

  it('signs in with the right password and clears that address count for the account', async () => {
    await createUser(db, { email: 'ok@example.com', password: 'right password' }, { isAdmin: false });
    const l = limits();
    for (let i = 0; i < 3; i++) await wrongFrom(l, 'ok@example.com', '198.51.100.1');
    clock.now += 1_000;
    const right = { email: 'ok@example.com', password: 'right password', clientAddress: '198.51.100.1' };
    expect(await signIn(db, l, right)).toMatchObject({ ok: true, user: { email: 'ok@example.com' } });
    // Counted from zero again: three more mistakes are free.
    for (let i = 0; i < 3; i++) {
      expect(await wrongFrom(l, 'ok@example.com', '198.51.100.1')).toMatchObject({
        reason: 'invalid_credentials',
      });
    }
  });
});
