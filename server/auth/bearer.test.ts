import { describe, expect, it } from 'vitest';
import { createApiToken, revokeUserApiToken } from '../../engine/auth/api-tokens';
import { createUser } from '../../engine/auth/accounts';
import { createTestDatabase } from '../../test/database';
import { authenticateBearer } from './bearer';

const { db, url } = await createTestDatabase();
process.env.DATABASE_URL = url; // getDb() reads it, as in the web server
const user = await createUser(
  db,
  { email: 'bearer@example.com', password: 'password 123' },
  { isAdmin: false },
);

const request = (authorization?: string) =>
  new Request('http://localhost/api/latest/execution', { headers: authorization ? { authorization } : {} });

describe('authenticateBearer', () => {
  it('returns the token owner for a valid token', async () => {
    const { token } = await createApiToken(db, user.id, 'rest');
    expect(await authenticateBearer(request(`Bearer ${token}`))).toMatchObject({
      ok: true,
      user: { id: user.id, email: 'bearer@example.com' },
    });
  });

  it('answers a 401 failure for missing, malformed, unknown and revoked tokens, never echoing the token', async () => {
    const { token, summary } = await createApiToken(db, user.id, 'to revoke');
    await revokeUserApiToken(db, user.id, summary.id);
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /Send an API token/],
      [`Basic ${token}`, /must be `Bearer <token>`/],
      ['Bearer flt_' + 'x'.repeat(43), /not valid/],
      [`Bearer ${token}`, /revoked/],
    ];
    for (const [header, message] of cases) {
      const result = await authenticateBearer(request(header));
      expect(result).toMatchObject({ ok: false, status: 401, code: 'UNAUTHORIZED' });
      expect(!result.ok && result.message).toMatch(message);
      expect(JSON.stringify(result)).not.toContain(token);
    }
  });

  it('answers 401 naming the expiry for an expired token', async () => {
    const { token, summary } = await createApiToken(db, user.id, 'short-lived', { expiresInDays: 1 });
    await db
      .updateTable('api_tokens')
      .set({ expires_at: new Date('2026-03-04T05:06:07.000Z') })
      .where('id', '=', summary.id)
      .execute();
    expect(await authenticateBearer(request(`Bearer ${token}`))).toEqual({
      ok: false,
      status: 401,
      code: 'UNAUTHORIZED',
      message: 'This API token expired at 2026-03-04T05:06:07.000Z; create a new one.',
    });
  });
});
