import { z } from 'zod';
import { accountInputSchema, createFirstAdmin } from '../../engine/auth/accounts';
import { UserError } from '../../engine/errors';
import { countUsers } from '../../engine/store/users';
import { getDb } from '../db';

export type FirstAdminResult = { ok: true; email: string } | { ok: false; problems: string[] };

/**
 * The set-up form: the account, and the password typed twice. The comparison runs even when a field
 * already has a problem (`when`), so the form hears of every problem at once.
 */
const firstAdminFormSchema = accountInputSchema
  .extend({ confirm: z.string() })
  .refine((form) => form.password === form.confirm, {
    path: ['confirm'],
    message: 'repeat password: the two passwords differ',
    when: () => true,
  });

export type FirstAdminInput = z.input<typeof firstAdminFormSchema>;

export async function needsFirstAdmin(): Promise<boolean> {
  return (await countUsers(getDb())) === 0;
}

/** The first-admin set-up; the engine refuses it once any user exists, so it needs no session. */
export async function setUpFirstAdmin(form: FirstAdminInput): Promise<FirstAdminResult> {
  const parsed = firstAdminFormSchema.safeParse(form);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((issue) => issue.message) };
  try {
    const { email, name, password } = parsed.data;
    const user = await createFirstAdmin(getDb(), { email, name, password });
    return { ok: true, email: user.email };
  } catch (error) {
    if (error instanceof UserError) return { ok: false, problems: [error.message] };
    throw error;
  }
}
