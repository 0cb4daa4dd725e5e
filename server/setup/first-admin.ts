import { createFirstAdmin } from '../../engine/auth/accounts';
import { UserError } from '../../engine/errors';
import { countUsers } from '../../engine/store/users';
import { getDb } from '../db';

export type FirstAdminResult = { ok: true; email: string } | { ok: false; message: string };

export async function needsFirstAdmin(): Promise<boolean> {
  return (await countUsers(getDb())) === 0;
}

/** The first-admin set-up; the engine refuses it once any user exists, so it needs no session. */
export async function setUpFirstAdmin(input: {
  email: string;
  name: string;
  password: string;
}): Promise<FirstAdminResult> {
  try {
    const user = await createFirstAdmin(getDb(), input);
    return { ok: true, email: user.email };
  } catch (error) {
    if (error instanceof UserError) return { ok: false, message: error.message };
    throw error;
  }
}
