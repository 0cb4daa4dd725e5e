import { describe, expect, it } from 'vitest';
import { createUser } from '../../engine/auth/accounts';
import { createTestDatabase } from '../../test/database';
import { routerCallers, trpcFailureOf as codeOf } from './testing';

const { db } = await createTestDatabase();
const { signedIn: admin, anonymous } = await routerCallers(db, 'users-admin@example.com');
const { createCallerFactory } = await import('../trpc');
const { appRouter } = await import('./_app');
const plainUser = await createUser(
  db,
  { email: 'users-plain@example.com', password: 'password 123' },
  { isAdmin: false },
);
const plain = createCallerFactory(appRouter)({ db, user: plainUser });

describe('users and account procedures', () => {
  it('answer UNAUTHORIZED without a user', async () => {
    expect(await codeOf(anonymous.users.list())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await codeOf(anonymous.users.invite({ email: 'x@example.com' }))).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(
      await codeOf(
        anonymous.account.changePassword({ currentPassword: 'a', newPassword: 'b', repeatPassword: 'b' }),
      ),
    ).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('answer FORBIDDEN to a user who is not an administrator', async () => {
    expect(await codeOf(plain.users.list())).toMatchObject({
      code: 'FORBIDDEN',
      message: 'only an administrator can manage users',
    });
    expect(await codeOf(plain.users.setActive({ id: plainUser.id, active: false }))).toMatchObject({
      code: 'FORBIDDEN',
    });
  });

  it('invite answers the temporary password once; a bad email is BAD_REQUEST naming the field', async () => {
    const invited = await admin.users.invite({ email: 'invited@example.com', isAdmin: false });
    expect(invited.temporaryPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(JSON.stringify(await admin.users.list())).not.toContain(invited.temporaryPassword);
    expect(await codeOf(admin.users.invite({ email: 'nope' }))).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'email: enter an email address such as ada@example.com',
    });
    // A caller sees zod's own issues; over HTTP they become one line naming the field (server/trpc.ts).
    const badId = await codeOf(admin.users.resetPassword({ id: 'not-a-uuid' }));
    expect(badId.code).toBe('BAD_REQUEST');
    expect(badId.message).toContain('must be a user id');
  });

  it('an API token expiry out of range is BAD_REQUEST naming the field', async () => {
    const badExpiry = await codeOf(admin.apiTokens.create({ name: 'ci', expiresInDays: 0 }));
    expect(badExpiry.code).toBe('BAD_REQUEST');
    expect(badExpiry.message).toContain('at least 1 day');
  });

  it('a temporary password opens nothing but choosing a password, over tRPC and with an API token', async () => {
    const invited = await admin.users.invite({ email: 'temporary@example.com', isAdmin: false });
    const users = await admin.users.list();
    const user = users.find((candidate) => candidate.email === 'temporary@example.com');
    expect(user?.must_change_password).toBe(true);
    const asInvited = createCallerFactory(appRouter)({ db, user: user as NonNullable<typeof user> });
    expect(await codeOf(asInvited.apiTokens.create({ name: 'before choosing' }))).toEqual({
      code: 'FORBIDDEN',
      message: 'Choose your own password first (Settings).',
    });
    expect(await codeOf(asInvited.flows.list())).toMatchObject({ code: 'FORBIDDEN' });
    await asInvited.account.changePassword({
      currentPassword: invited.temporaryPassword,
      newPassword: 'my own password 1',
      repeatPassword: 'my own password 1',
    });
  });

  it('two administrators deactivating each other: the second is refused, one stays active', async () => {
    const [first] = (await admin.users.list()).filter(
      (candidate) => candidate.email === 'users-admin@example.com',
    );
    const second = await createUser(
      db,
      { email: 'second-admin@example.com', password: 'password 123' },
      { isAdmin: true },
    );
    const asSecond = createCallerFactory(appRouter)({ db, user: second });
    await asSecond.users.setActive({ id: first?.id as string, active: false });
    // The first still holds a session user read before that: the lock re-reads who is an administrator.
    expect(await codeOf(admin.users.setActive({ id: second.id, active: false }))).toEqual({
      code: 'FORBIDDEN',
      message: 'only an active administrator can do this',
    });
    const active = (await asSecond.users.list()).filter((user) => user.is_admin && !user.deactivated_at);
    expect(active.map((user) => user.email)).toEqual(['second-admin@example.com']);
    await asSecond.users.setActive({ id: first?.id as string, active: true });
  });
});
