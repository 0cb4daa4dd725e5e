import { getServerSession } from 'next-auth';
import type { PublicUser } from '../../engine/store/users';
import { findUserById } from '../../engine/store/users';
import { getDb } from '../db';
import { authOptions } from './options';

/**
 * The signed-in user of the current request, read from the session cookie and checked against the
 * database (a deleted or deactivated user's cookie stops working at once), or null.
 */
export async function getSessionUser(): Promise<PublicUser | null> {
  const session = await getServerSession(authOptions);
  const id = session?.user?.id;
  if (!id) return null;
  const user = await findUserById(getDb(), id);
  return user && !user.deactivated_at ? user : null;
}
