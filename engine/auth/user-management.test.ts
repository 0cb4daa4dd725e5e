import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import {
  changeOwnPassword,
  createUser,
  EmailTakenError,
  InvalidAccountError,
  inviteUser,
  listUsersFor,
  NotAdministratorError,
  resetUserPassword,
  setUserActive,
  verifyCredentials,
} from './accounts';
import { createApiToken, verifyApiToken } from './api-tokens';
import { FailureBackoff, FailureRateLimiter } from './rate-limit';
import { findSessionUser } from '../store/users';
import { signIn } from './sign-in';

const { db } = await createTestDatabase();
const admin = await createUser(
  db,
  { email: 'root@example.com', password: 'admin password' },
  { isAdmin: true },
);
const plain = await createUser(
  db,
  { email: 'plain@example.com', password: 'plain password' },
  { isAdmin: false },
);

const limits = () => ({
  perAccountAddress: new FailureBackoff({ freeFailures: 100, baseMs: 1, maxMs: 1, forgetMs: 1 }),
  perAddress: new FailureRateLimiter({ maxFailures: 100, windowMs: 1 }),
});

describe('changing one’s own password', () => {
  it('needs the current password, and then only the new one works', async () => {
    const user = await createUser(
      db,
      { email: 'change@example.com', password: 'old password' },
      { isAdmin: false },
    );
    await expect(
      changeOwnPassword(db, user.id, {
        currentPassword: 'not it at all',
        newPassword: 'new password',
        repeatPassword: 'new password',
      }),
    ).rejects.toThrow('current password: this is not your current password');
    await changeOwnPassword(db, user.id, {
      currentPassword: 'old password',
      newPassword: 'new password',
      repeatPassword: 'new password',
    });
    expect(await verifyCredentials(db, 'change@example.com', 'old password')).toBeNull();
    expect(await verifyCredentials(db, 'change@example.com', 'new password')).toMatchObject({ id: user.id });
  });

  it('reports every problem of the form at once', async () => {
    const error = await changeOwnPassword(db, plain.id, {
      currentPassword: '',
      newPassword: 'short',
      repeatPassword: 'shorter',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidAccountError);
    expect((error as Error).message).toBe(
      'current password: enter the password you signed in with; new password: at least 8 characters; ' +
        'repeat new password: the two new passwords differ',
    );
  });
});

describe('user management', () => {
  it('is refused to anyone but an administrator', async () => {
    await expect(listUsersFor(db, plain)).rejects.toThrow(NotAdministratorError);
    await expect(inviteUser(db, plain, { email: 'sneaky@example.com' })).rejects.toThrow(
      NotAdministratorError,
    );
    await expect(resetUserPassword(db, plain, admin.id)).rejects.toThrow(NotAdministratorError);
    await expect(setUserActive(db, plain, admin.id, false)).rejects.toThrow(NotAdministratorError);
  });

  it('invites a user with a temporary password they must replace, once per email', async () => {
    const { user, temporaryPassword } = await inviteUser(db, admin, {
      email: 'New@Example.com',
      name: 'Newcomer',
    });
    expect(user).toMatchObject({
      email: 'new@example.com',
      name: 'Newcomer',
      is_admin: false,
      must_change_password: true,
    });
    expect(temporaryPassword.length).toBeGreaterThanOrEqual(16);
    expect(await verifyCredentials(db, 'new@example.com', temporaryPassword)).toMatchObject({
      must_change_password: true,
    });
    const changed = await changeOwnPassword(db, user.id, {
      currentPassword: temporaryPassword,
      newPassword: 'my own password',
      repeatPassword: 'my own password',
    });
    expect(changed.must_change_password).toBe(false);
    await expect(inviteUser(db, admin, { email: 'new@example.com' })).rejects.toThrow(EmailTakenError);
    await expect(inviteUser(db, admin, { email: 'not an email' })).rejects.toThrow(/^email: /);
    expect((await listUsersFor(db, admin)).map((listed) => listed.email)).toContain('new@example.com');
  });

  it('resets a password: the old one stops working, the temporary one must be replaced', async () => {
    const user = await createUser(
      db,
      { email: 'forgot@example.com', password: 'forgotten one' },
      { isAdmin: false },
    );
    const { temporaryPassword } = await resetUserPassword(db, admin, user.id);
    expect(await verifyCredentials(db, 'forgot@example.com', 'forgotten one')).toBeNull();
    expect(await verifyCredentials(db, 'forgot@example.com', temporaryPassword)).toMatchObject({
      must_change_password: true,
    });
  });

  it('deactivates a user: no sign-in and no API token of theirs works, until reactivated', async () => {
    const user = await createUser(
      db,
      { email: 'leaver@example.com', password: 'leaver password' },
      { isAdmin: false },
    );
    const { token } = await createApiToken(db, user.id, 'their script');
    expect(await verifyApiToken(db, token)).toMatchObject({ ok: true });

    const deactivated = await setUserActive(db, admin, user.id, false);
    expect(deactivated.deactivated_at).toBeInstanceOf(Date);
    const attempt = { email: 'leaver@example.com', password: 'leaver password', clientAddress: '192.0.2.9' };
    expect(await signIn(db, limits(), attempt)).toMatchObject({ ok: false, reason: 'deactivated' });
    expect(await verifyApiToken(db, token)).toEqual({ ok: false, reason: 'deactivated' });

    await setUserActive(db, admin, user.id, true);
    expect(await signIn(db, limits(), attempt)).toMatchObject({ ok: true });
    expect(await verifyApiToken(db, token)).toMatchObject({ ok: true });
  });

  it('ends the sessions of a deactivated user for good, and those from before a password reset', async () => {
    const user = await createUser(
      db,
      { email: 'session@example.com', password: 'session password' },
      { isAdmin: false },
    );
    const before = new Date(Date.now() - 1000);
    expect(await findSessionUser(db, user.id, before)).toMatchObject({ id: user.id });

    await setUserActive(db, admin, user.id, false);
    expect(await findSessionUser(db, user.id, new Date())).toBeUndefined();
    await setUserActive(db, admin, user.id, true);
    expect(await findSessionUser(db, user.id, before)).toBeUndefined();
    const afterReactivation = new Date();
    expect(await findSessionUser(db, user.id, afterReactivation)).toMatchObject({ id: user.id });

    await resetUserPassword(db, admin, user.id);
    expect(await findSessionUser(db, user.id, afterReactivation)).toBeUndefined();
    expect(await findSessionUser(db, user.id, new Date())).toMatchObject({ id: user.id });
  });

  it('does not let an administrator deactivate themselves', async () => {
    await expect(setUserActive(db, admin, admin.id, false)).rejects.toThrow(/cannot deactivate your own/);
  });
});

describe('API token expiry', () => {
  it('a token with an expiry works until then and is refused after, naming when', async () => {
    const { token, summary } = await createApiToken(db, plain.id, 'for a week', { expiresInDays: 7 });
    const inAWeek = Date.now() + 7 * 24 * 60 * 60 * 1000;
    expect(Math.abs(summary.expires_at!.getTime() - inAWeek)).toBeLessThan(60_000);
    expect(await verifyApiToken(db, token)).toMatchObject({ ok: true });

    const past = new Date('2026-01-02T03:04:05.000Z');
    await db.updateTable('api_tokens').set({ expires_at: past }).where('id', '=', summary.id).execute();
    expect(await verifyApiToken(db, token)).toEqual({ ok: false, reason: 'expired', expiredAt: past });
  });

  it('refuses an expiry that is not a whole number of days from 1 to 3650', async () => {
    await expect(createApiToken(db, plain.id, 'zero', { expiresInDays: 0 })).rejects.toThrow(
      'expiresInDays: at least 1 day',
    );
    await expect(createApiToken(db, plain.id, 'half', { expiresInDays: 1.5 })).rejects.toThrow(
      'expiresInDays: a whole number of days',
    );
  });

  it('without an expiry a token never expires', async () => {
    const { summary } = await createApiToken(db, plain.id, 'forever');
    expect(summary.expires_at).toBeNull();
  });

  it('wrong current passwords are limited like sign-ins: after 5, even the right one waits', async () => {
    const user = await createUser(
      db,
      { email: 'guessed@example.com', password: 'the real one 1' },
      { isAdmin: false },
    );
    let now = 1_000_000;
    const failures = new FailureBackoff({
      freeFailures: 5,
      baseMs: 2000,
      maxMs: 60_000,
      forgetMs: 3_600_000,
      now: () => now,
    });
    const attempt = (currentPassword: string) =>
      changeOwnPassword(
        db,
        user.id,
        { currentPassword, newPassword: 'a new one 123', repeatPassword: 'a new one 123' },
        failures,
      );
    for (let n = 0; n < 5; n++)
      await expect(attempt(`guess ${n}`)).rejects.toBeInstanceOf(InvalidAccountError);
    await expect(attempt('the real one 1')).rejects.toMatchObject({
      kind: 'too_many_requests',
      message: 'Too many wrong current passwords; try again in 2 seconds.',
    });
    now += 2000;
    await attempt('the real one 1');
  });

  it("an administrator's password reset revokes the user's API tokens", async () => {
    const user = await createUser(
      db,
      { email: 'reset-tokens@example.com', password: 'password 123' },
      { isAdmin: false },
    );
    const { token } = await createApiToken(db, user.id, 'their script');
    expect(await verifyApiToken(db, token)).toMatchObject({ ok: true });
    await resetUserPassword(db, admin, user.id);
    expect(await verifyApiToken(db, token)).toEqual({ ok: false, reason: 'revoked' });
  });
});
