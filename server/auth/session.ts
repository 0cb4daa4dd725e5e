import { getServerSession } from 'next-auth';
import type { PublicUser } from '../../engine/store/users';
import { findSessionUser } from '../../engine/store/users';
import { getDb } from '../db';
import { authOptions } from './options';

/**
 * The signed-in user of the current request, read from the session cookie and checked against the
 * database (the cookie of a deleted or deactivated user, or one from before an administrator reset the
 * password, stops working at once), or null.
 */
export async function getSessionUser(): Promise<PublicUser | null> {
  const session = await getServerSession(authOptions);
  const id = session?.user?.id;
  if (!id) return null;
  // A session from before sign-in times were recorded counts as signed in at the start of time.
  const signedInAt = new Date(session.user?.signedInAt ?? 0);
  return (await findSessionUser(getDb(), id, signedInAt)) ?? null;
}
