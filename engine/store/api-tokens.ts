import type { Db } from './db';
import type { ApiToken } from './database';
import type { PublicUser } from './users';

export type ApiTokenSummary = Pick<
  ApiToken,
  'id' | 'name' | 'prefix' | 'created_at' | 'last_used_at' | 'expires_at'
>;

const summaryColumns = ['id', 'name', 'prefix', 'created_at', 'last_used_at', 'expires_at'] as const;

export async function insertApiToken(
  db: Db,
  token: { userId: string; name: string; prefix: string; tokenHash: string; expiresAt: Date | null },
): Promise<ApiTokenSummary> {
  return db
    .insertInto('api_tokens')
    .values({
      user_id: token.userId,
      name: token.name,
      prefix: token.prefix,
      token_hash: token.tokenHash,
      expires_at: token.expiresAt,
    })
    .returning(summaryColumns)
    .executeTakeFirstOrThrow();
}

/** The user's tokens that are not revoked (expired ones too, so the user sees why a script fails), newest first. */
export async function listActiveApiTokens(db: Db, userId: string): Promise<ApiTokenSummary[]> {
  return db
    .selectFrom('api_tokens')
    .select(summaryColumns)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

/** Revokes every token of the user (an administrator reset their password: it may have leaked). */
export async function revokeAllApiTokens(db: Db, userId: string): Promise<void> {
  await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}

/** Revokes one of the user's tokens; false when it is not theirs, unknown, or already revoked. */
export async function revokeApiToken(db: Db, userId: string, tokenId: string): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export type TokenOwner = {
  tokenId: string;
  tokenHash: string;
  revoked: boolean;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  user: PublicUser;
};

export async function findApiTokenByHash(db: Db, tokenHash: string): Promise<TokenOwner | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id as token_id',
      'api_tokens.token_hash',
      'api_tokens.revoked_at',
      'api_tokens.last_used_at',
      'api_tokens.expires_at',
      'users.id',
      'users.email',
      'users.name',
      'users.is_admin',
      'users.created_at',
      'users.deactivated_at',
      'users.must_change_password',
    ])
    .where('api_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    tokenId: row.token_id,
    tokenHash: row.token_hash,
    revoked: row.revoked_at !== null,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    user: {
      id: row.id,
      email: row.email,
      name: row.name,
      is_admin: row.is_admin,
      created_at: row.created_at,
      deactivated_at: row.deactivated_at,
      must_change_password: row.must_change_password,
    },
  };
}

export async function touchApiToken(db: Db, tokenId: string, at: Date = new Date()): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
}
