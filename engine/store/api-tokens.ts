import type { Db } from './db';
import type { ApiToken } from './database';
import type { PublicUser } from './users';

export type ApiTokenSummary = Pick<ApiToken, 'id' | 'name' | 'prefix' | 'created_at' | 'last_used_at'>;

export async function insertApiToken(
  db: Db,
  token: { userId: string; name: string; prefix: string; tokenHash: string },
): Promise<ApiTokenSummary> {
  return db
    .insertInto('api_tokens')
    .values({ user_id: token.userId, name: token.name, prefix: token.prefix, token_hash: token.tokenHash })
    .returning(['id', 'name', 'prefix', 'created_at', 'last_used_at'])
    .executeTakeFirstOrThrow();
}

/** The user's tokens that still work, newest first. */
export async function listActiveApiTokens(db: Db, userId: string): Promise<ApiTokenSummary[]> {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'prefix', 'created_at', 'last_used_at'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
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
      'users.id',
      'users.email',
      'users.name',
      'users.is_admin',
      'users.created_at',
    ])
    .where('api_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    tokenId: row.token_id,
    tokenHash: row.token_hash,
    revoked: row.revoked_at !== null,
    lastUsedAt: row.last_used_at,
    user: {
      id: row.id,
      email: row.email,
      name: row.name,
      is_admin: row.is_admin,
      created_at: row.created_at,
    },
  };
}

export async function touchApiToken(db: Db, tokenId: string, at: Date = new Date()): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
}
