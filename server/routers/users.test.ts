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
});
