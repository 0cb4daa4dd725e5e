'use server';

import { createFirstAdmin } from '@/engine/auth/accounts';
import { UserError } from '@/engine/errors';
import { getDb } from '@/server/db';

export type FirstAdminResult = { ok: true; email: string } | { ok: false; message: string };

/** The first-admin set-up; the engine refuses it once any user exists, so it needs no session. */
export async function createFirstAdminAction(input: {
  email: string;
  name: string;
  password: string;
}): Promise<FirstAdminResult> {
  try {
    const user = await createFirstAdmin(getDb(), {
      email: String(input.email ?? ''),
      name: String(input.name ?? ''),
      password: String(input.password ?? ''),
    });
    return { ok: true, email: user.email };
  } catch (error) {
    if (error instanceof UserError) return { ok: false, message: error.message };
    throw error;
  }
}
