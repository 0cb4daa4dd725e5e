import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { listActiveApiTokens } from '../store/api-tokens';
import { createUser } from './accounts';
import {
  ApiTokenNotFoundError,
  createApiToken,
  hashApiToken,
  InvalidApiTokenNameError,
  revokeUserApiToken,
  verifyApiToken,
} from './api-tokens';

const { db } = await createTestDatabase();
const ada = await createUser(db, { email: 'ada@example.com', password: 'correct horse' }, { isAdmin: true });
const bob = await createUser(
  db,
  { email: 'bob@example.com', password: 'battery staple' },
  { isAdmin: false },
);

describe('API tokens', () => {
  it('creates a random flt_ token, stores only its hash and a short prefix', async () => {
    const { token, summary } = await createApiToken(db, ada.id, '  ci deploy  ');
    expect(token).toMatch(/^flt_[A-Za-z0-9_-]{43}$/);
    expect(summary.name).toBe('ci deploy');
    expect(summary.prefix).toBe(token.slice(0, 10));
    const row = await db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', summary.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashApiToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    const other = await createApiToken(db, ada.id, 'second');
    expect(other.token).not.toBe(token);
  });

  it('verifies a token, returns its user and records the last use', async () => {
    const { token, summary } = await createApiToken(db, bob.id, 'verify me');
    expect(summary.last_used_at).toBeNull();
    const result = await verifyApiToken(db, token);
    expect(result).toMatchObject({
      ok: true,
      tokenId: summary.id,
      user: { id: bob.id, email: 'bob@example.com' },
    });
    const listed = await listActiveApiTokens(db, bob.id);
    expect(listed.find((t) => t.id === summary.id)?.last_used_at).toBeInstanceOf(Date);
  });

  it('refuses malformed, unknown and revoked tokens, each with its reason', async () => {
    expect(await verifyApiToken(db, 'not a token')).toEqual({ ok: false, reason: 'malformed' });
    const unknown = 'flt_' + 'A'.repeat(43);
    expect(await verifyApiToken(db, unknown)).toEqual({ ok: false, reason: 'unknown' });
    const { token, summary } = await createApiToken(db, ada.id, 'to revoke');
    await revokeUserApiToken(db, ada.id, summary.id);
    expect(await verifyApiToken(db, token)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('lists only the active tokens of their owner, and lets only the owner revoke', async () => {
    const { summary } = await createApiToken(db, bob.id, 'bob only');
    expect((await listActiveApiTokens(db, ada.id)).map((t) => t.id)).not.toContain(summary.id);
    await expect(revokeUserApiToken(db, ada.id, summary.id)).rejects.toThrow(ApiTokenNotFoundError);
    await revokeUserApiToken(db, bob.id, summary.id);
    expect((await listActiveApiTokens(db, bob.id)).map((t) => t.id)).not.toContain(summary.id);
    await expect(revokeUserApiToken(db, bob.id, summary.id)).rejects.toThrow(/already revoked/);
  });

  it('refuses blank and overlong names', async () => {
    await expect(createApiToken(db, ada.id, '   ')).rejects.toThrow(InvalidApiTokenNameError);
    await expect(createApiToken(db, ada.id, 'x'.repeat(65))).rejects.toThrow(/at most 64 characters/);
  });
});
