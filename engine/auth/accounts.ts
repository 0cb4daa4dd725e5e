import { z } from 'zod';
import { UserError } from '../errors';
import type { Db } from '../store/db';
import { findUserByEmail, insertFirstUser, insertUser, type PublicUser } from '../store/users';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyAgainstDecoy, verifyPassword } from './password';

export class InvalidAccountError extends UserError {
  override name = 'InvalidAccountError';
  readonly kind = 'invalid';
}

export class SetupAlreadyDoneError extends UserError {
  override name = 'SetupAlreadyDoneError';
  readonly kind = 'conflict';
}

export class EmailTakenError extends UserError {
  override name = 'EmailTakenError';
  readonly kind = 'conflict';
}

export const accountInputSchema = z.object({
  email: z.email('email: enter an email address such as ada@example.com'),
  name: z.string().trim().max(128, 'name: at most 128 characters').optional(),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `password: at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(1024, 'password: at most 1024 characters'),
});

export type AccountInput = z.input<typeof accountInputSchema>;

async function toNewUser(input: AccountInput, isAdmin: boolean) {
  const parsed = accountInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidAccountError(parsed.error.issues.map((issue) => issue.message).join('; '));
  }
  const { email, name, password } = parsed.data;
  return {
    email: email.toLowerCase(),
    name: name || email.split('@')[0] || email,
    password_hash: await hashPassword(password),
    is_admin: isAdmin,
  };
}

/** The first-admin set-up of a fresh installation: refused once any user exists. */
export async function createFirstAdmin(db: Db, input: AccountInput): Promise<PublicUser> {
  const user = await insertFirstUser(db, await toNewUser(input, true));
  if (!user) throw new SetupAlreadyDoneError('Flowline already has an administrator: sign in instead.');
  return user;
}

export async function createUser(
  db: Db,
  input: AccountInput,
  options: { isAdmin: boolean },
): Promise<PublicUser> {
  const user = await insertUser(db, await toNewUser(input, options.isAdmin));
  if (!user) throw new EmailTakenError(`a user with the email '${input.email}' already exists`);
  return user;
}

/**
 * Creates the administrator named by FLOWLINE_ADMIN_EMAIL / FLOWLINE_ADMIN_PASSWORD at start, unless
 * that email already has an account (its password is then left as the user set it).
 */
export async function ensureAdmin(db: Db, input: AccountInput): Promise<'created' | 'exists'> {
  if (await findUserByEmail(db, input.email)) return 'exists';
  try {
    await createUser(db, input, { isAdmin: true });
    return 'created';
  } catch (error) {
    if (error instanceof EmailTakenError) return 'exists'; // created meanwhile by another process
    throw error;
  }
}

/** The user with this email and password, or null; as slow for unknown emails as for wrong passwords. */
export async function verifyCredentials(db: Db, email: string, password: string): Promise<PublicUser | null> {
  const user = await findUserByEmail(db, email);
  if (!user) return verifyAgainstDecoy(password).then(() => null);
  if (!(await verifyPassword(user.password_hash, password))) return null;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    is_admin: user.is_admin,
    created_at: user.created_at,
  };
}
