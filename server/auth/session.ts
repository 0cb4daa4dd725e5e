import { getServerSession } from 'next-auth';
import type { PublicUser } from '../../engine/store/users';
import { findSessionUser } from '../../engine/store/users';
import { getDb } from '../db';
import { authOptions } from './options';

/** The signed-in user of the current request, and a way to ask again later whether they still are. */
export type Session = { user: PublicUser; stillSignedIn(): Promise<boolean> };

/**
 * The current request's session, read from the session cookie and checked against the database (the
 * cookie of a deleted or deactivated user, or one from before an administrator reset the password, stops
 * working at once), or null. `stillSignedIn` repeats that check: a long-lived response (a live
 * subscription) asks it again as it goes.
 */
export async function getSession(): Promise<Session | null> {
  const session = await getServerSession(authOptions);
  const id = session?.user?.id;
  if (!id) return null;
  // A session from before sign-in times were recorded counts as signed in at the start of time.
  const signedInAt = new Date(session.user?.signedInAt ?? 0);
  const user = await findSessionUser(getDb(), id, signedInAt);
  if (!user) return null;
  return {
    user,
    stillSignedIn: async () => (await findSessionUser(getDb(), id, signedInAt)) !== undefined,
  };
}

export async function getSessionUser(): Promise<PublicUser | null> {
  return (await getSession())?.user ?? null;
}
