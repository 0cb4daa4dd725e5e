import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * User management and token expiry (docs/auth.md):
 *
 * - `users.deactivated_at`: set by an administrator; a deactivated user cannot sign in, their session
 *   and API tokens stop working at once. Kept, not deleted, so their flows and executions keep an author.
 * - `users.must_change_password`: the account signs in with a temporary password an administrator was
 *   shown once (invite, reset); the app asks for a new one before anything else.
 * - `users.sessions_valid_after`: sessions signed in before it no longer work (set when an administrator
 *   deactivates the user or resets their password), so reactivating does not revive an old session.
 * - `api_tokens.expires_at`: a token is refused from then on; null never expires.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`alter table users add column deactivated_at timestamptz`.execute(db);
  await sql`alter table users add column must_change_password boolean not null default false`.execute(db);
  await sql`alter table users add column sessions_valid_after timestamptz`.execute(db);
  await sql`alter table api_tokens add column expires_at timestamptz`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`alter table api_tokens drop column expires_at`.execute(db);
  await sql`alter table users drop column sessions_valid_after`.execute(db);
  await sql`alter table users drop column must_change_password`.execute(db);
  await sql`alter table users drop column deactivated_at`.execute(db);
}
