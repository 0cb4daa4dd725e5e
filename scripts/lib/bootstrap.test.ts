import { describe, expect, it } from 'vitest';
import { verifyCredentials } from '../../engine/auth/accounts';
import { countUsers } from '../../engine/store/users';
import { createTestDatabase } from '../../test/database';
import { createConfiguredAdmin } from './bootstrap';

const { db } = await createTestDatabase();
// Next.js's types make NODE_ENV required in ProcessEnv; these environments are only what is tested.
const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;

describe('createConfiguredAdmin', () => {
  it('does nothing without FLOWLINE_ADMIN_EMAIL', async () => {
    await createConfiguredAdmin(db, env({}));
    expect(await countUsers(db)).toBe(0);
  });

  it('names the variable that is wrong or missing', async () => {
    await expect(
      createConfiguredAdmin(
        db,
        env({
          FLOWLINE_ADMIN_EMAIL: 'not-an-email',
          FLOWLINE_ADMIN_PASSWORD: 'long enough',
        }),
      ),
    ).rejects.toThrow(/FLOWLINE_ADMIN_EMAIL: must be an email address/);
    await expect(
      createConfiguredAdmin(
        db,
        env({ FLOWLINE_ADMIN_EMAIL: 'a@example.com', FLOWLINE_ADMIN_PASSWORD: 'short' }),
      ),
    ).rejects.toThrow(/FLOWLINE_ADMIN_PASSWORD: must be at least 8 characters/);
    await expect(createConfiguredAdmin(db, env({ FLOWLINE_ADMIN_EMAIL: 'a@example.com' }))).rejects.toThrow(
      /FLOWLINE_ADMIN_PASSWORD: set both/,
    );
  });

  it('creates the administrator once; a second start keeps the account', async () => {
    const ops = env({ FLOWLINE_ADMIN_EMAIL: 'ops@example.com', FLOWLINE_ADMIN_PASSWORD: 'ops password' });
    await createConfiguredAdmin(db, ops);
    await createConfiguredAdmin(db, ops);
    expect(await countUsers(db)).toBe(1);
    expect(await verifyCredentials(db, 'ops@example.com', 'ops password')).toMatchObject({ is_admin: true });
  });
});
