import { sql } from 'kysely';
import type { Db } from './db';
import type { NewUser, User } from './database';

/** A user without the password hash: what may leave the engine. */
export type PublicUser = Pick<
  User,
  'id' | 'email' | 'name' | 'is_admin' | 'created_at' | 'deactivated_at' | 'must_change_password'
>;

const publicColumns = [
  'id',
  'email',
  'name',
  'is_admin',
  'created_at',
  'deactivated_at',
  'must_change_password',
] as const;

export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Emails are compared without case (the unique index is on lower(email)). */
export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<PublicUser | undefined> {
  return db.selectFrom('users').select(publicColumns).where('id', '=', id).executeTakeFirst();
}

/**
 * The user a session signed in at `signedInAt` belongs to, if that session still works: the user exists,
 * is active, and has not had their sessions ended since.
 */
export async function findSessionUser(db: Db, id: string, signedInAt: Date): Promise<PublicUser | undefined> {
  return db
    .selectFrom('users')
    .select(publicColumns)
    .where('id', '=', id)
    .where('deactivated_at', 'is', null)
    .where((eb) =>
      eb.or([eb('sessions_valid_after', 'is', null), eb('sessions_valid_after', '<=', signedInAt)]),
    )
    .executeTakeFirst();
}

/** With the password hash: for checking a password the user types. */
export async function findUserWithPasswordById(db: Db, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Every user, active and deactivated, oldest first. */
export async function listUsers(db: Db): Promise<PublicUser[]> {
  return db.selectFrom('users').select(publicColumns).orderBy('created_at').orderBy('id').execute();
}

/**
 * Replaces the password; `mustChange` when it is a temporary one the user has to replace (an
 * administrator's reset, which also ends the user's sessions).
 */
export async function setPasswordHash(
  db: Db,
  id: string,
  passwordHash: string,
  mustChange: boolean,
): Promise<PublicUser | undefined> {
  return (
    db
      .updateTable('users')
      // Every session from before ends: after a reset (the account may be in other hands) and after the
      // user's own change (the reason may be a session someone else holds). The user's own session is
      // made anew with the new password (components/settings/ChangePasswordForm.tsx).
      .set({
        password_hash: passwordHash,
        must_change_password: mustChange,
        sessions_valid_after: new Date(),
      })
      .where('id', '=', id)
      .returning(publicColumns)
      .executeTakeFirst()
  );
}

/**
 * Deactivates (a time; their sessions end for good) or reactivates (null) a user; undefined when there is
 * no such user.
 */
/**
 * Deactivates (at) or reactivates (null) a user on behalf of `actorId`, with the active administrators
 * locked: the actor must still be one as it commits. So two administrators deactivating each other at the
 * same moment cannot leave none: the second finds itself deactivated and is refused. (An administrator
 * cannot deactivate themselves: engine/auth/accounts.ts.)
 */
export async function setDeactivatedAt(
  db: Db,
  actorId: string,
  id: string,
  at: Date | null,
): Promise<PublicUser | 'actor_not_admin' | undefined> {
  return db.transaction().execute(async (trx) => {
    const admins = await trx
      .selectFrom('users')
      .select('id')
      .where('is_admin', '=', true)
      .where('deactivated_at', 'is', null)
      .forUpdate()
      .execute();
    if (!admins.some((admin) => admin.id === actorId)) return 'actor_not_admin';
    return trx
      .updateTable('users')
      .set(at ? { deactivated_at: at, sessions_valid_after: at } : { deactivated_at: null })
      .where('id', '=', id)
      .returning(publicColumns)
      .executeTakeFirst();
  });
}

/** Inserts a user; returns undefined when the email is already taken. */
export async function insertUser(db: Db, user: NewUser): Promise<PublicUser | undefined> {
  return db
    .insertInto('users')
    .values(user)
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returning(publicColumns)
    .executeTakeFirst();
}

/**
 * Inserts a user only when there is none yet: the first-admin set-up. The table lock makes two
 * simultaneous set-ups create one admin, not two.
 */
export async function insertFirstUser(db: Db, user: NewUser): Promise<PublicUser | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`lock table users in share row exclusive mode`.execute(trx);
    const existing = await trx.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (existing) return undefined;
    return trx.insertInto('users').values(user).returning(publicColumns).executeTakeFirstOrThrow();
  });
}
