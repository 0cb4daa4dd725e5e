import crypto from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../errors';
import { revokeAllApiTokens } from '../store/api-tokens';
import type { Db } from '../store/db';
import {
  findUserByEmail,
  findUserWithPasswordById,
  insertFirstUser,
  insertUser,
  listUsers,
  setDeactivatedAt,
  setPasswordHash,
  type PublicUser,
} from '../store/users';
import { hashPassword, MIN_PASSWORD_LENGTH, verifyAgainstDecoy, verifyPassword } from './password';
import { FailureBackoff } from './rate-limit';

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

export class UserNotFoundError extends UserError {
  override name = 'UserNotFoundError';
  readonly kind = 'not_found';
}

export class NotAdministratorError extends UserError {
  override name = 'NotAdministratorError';
  readonly kind = 'forbidden';
}

/** A new password, its messages naming the form's field. */
function passwordSchema(field: string) {
  return z
    .string()
    .min(MIN_PASSWORD_LENGTH, `${field}: at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(1024, `${field}: at most 1024 characters`);
}

const emailSchema = z.email('email: enter an email address such as ada@example.com');
const nameSchema = z.string().trim().max(128, 'name: at most 128 characters').optional();

export const accountInputSchema = z.object({
  email: emailSchema,
  name: nameSchema,
  password: passwordSchema('password'),
});

export type AccountInput = z.input<typeof accountInputSchema>;

/** Parses input, or refuses it with every problem at once. */
function parseAccountInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidAccountError(parsed.error.issues.map((issue) => issue.message).join('; '));
  }
  return parsed.data;
}

async function toNewUser(input: AccountInput, isAdmin: boolean) {
  const { email, name, password } = parseAccountInput(accountInputSchema, input);
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
    deactivated_at: user.deactivated_at,
    must_change_password: user.must_change_password,
  };
}

/** The comparison runs even when a field already has a problem (`when`): every problem at once. */
const changePasswordSchema = z
  .object({
    currentPassword: z.string().min(1, 'current password: enter the password you signed in with'),
    newPassword: passwordSchema('new password'),
    repeatPassword: z.string(),
  })
  .refine((form) => form.newPassword === form.repeatPassword, {
    path: ['repeatPassword'],
    message: 'repeat new password: the two new passwords differ',
    when: () => true,
  });

export class PasswordGuessesLimitedError extends UserError {
  override name = 'PasswordGuessesLimitedError';
  readonly kind = 'too_many_requests';
}

/**
 * Wrong current passwords per user, as sign-in counts them per account and address (5 free, then a
 * wait doubling from 2 s to 15 min): a session someone else got hold of must not become a way around
 * sign-in's limits to guess the password.
 */
const currentPasswordFailures = new FailureBackoff({
  freeFailures: 5,
  baseMs: 2_000,
  maxMs: 15 * 60_000,
  forgetMs: 60 * 60_000,
});

/**
 * The user replaces their own password, proving they know the current one (a left-open session alone
 * must not be enough to take the account over). Clears a temporary password's must-change mark.
 */
export async function changeOwnPassword(
  db: Db,
  userId: string,
  input: z.input<typeof changePasswordSchema>,
  failures: FailureBackoff = currentPasswordFailures,
): Promise<PublicUser> {
  const { currentPassword, newPassword } = parseAccountInput(changePasswordSchema, input);
  const wait = failures.retryAfterSeconds(userId);
  if (wait > 0)
    throw new PasswordGuessesLimitedError(
      `Too many wrong current passwords; try again in ${wait} second${wait === 1 ? '' : 's'}.`,
    );
  const user = await findUserWithPasswordById(db, userId);
  if (!user) throw new UserNotFoundError('this account no longer exists');
  if (!(await verifyPassword(user.password_hash, currentPassword))) {
    failures.recordFailure(userId);
    throw new InvalidAccountError('current password: this is not your current password');
  }
  failures.reset(userId);
  if (currentPassword === newPassword) {
    throw new InvalidAccountError('new password: choose a password other than the current one');
  }
  const updated = await setPasswordHash(db, userId, await hashPassword(newPassword), false);
  if (!updated) throw new UserNotFoundError('this account no longer exists');
  return updated;
}

function requireAdministrator(actor: PublicUser): void {
  if (!actor.is_admin || actor.deactivated_at) {
    throw new NotAdministratorError('only an administrator can manage users');
  }
}

/** A password for one sign-in, shown once to the administrator who hands it on. */
function temporaryPassword(): string {
  return crypto.randomBytes(12).toString('base64url');
}

/** Every user, for an administrator. */
export async function listUsersFor(db: Db, actor: PublicUser): Promise<PublicUser[]> {
  requireAdministrator(actor);
  return listUsers(db);
}

const inviteSchema = z.object({ email: emailSchema, name: nameSchema, isAdmin: z.boolean().default(false) });

/**
 * An administrator adds a user, who signs in with the returned temporary password (shown once, never
 * stored in clear) and is then asked to choose their own.
 */
export async function inviteUser(
  db: Db,
  actor: PublicUser,
  input: z.input<typeof inviteSchema>,
): Promise<{ user: PublicUser; temporaryPassword: string }> {
  requireAdministrator(actor);
  const { email, name, isAdmin } = parseAccountInput(inviteSchema, input);
  const password = temporaryPassword();
  const user = await insertUser(db, {
    ...(await toNewUser({ email, name, password }, isAdmin)),
    must_change_password: true,
  });
  if (!user) throw new EmailTakenError(`a user with the email '${email.toLowerCase()}' already exists`);
  return { user, temporaryPassword: password };
}

/** An administrator replaces a user's forgotten password by a temporary one (shown once). */
export async function resetUserPassword(
  db: Db,
  actor: PublicUser,
  userId: string,
): Promise<{ user: PublicUser; temporaryPassword: string }> {
  requireAdministrator(actor);
  const password = temporaryPassword();
  const user = await setPasswordHash(db, userId, await hashPassword(password), true);
  if (!user) throw new UserNotFoundError('this user does not exist');
  // A reset is what an administrator does when an account may be in other hands: its tokens too.
  await revokeAllApiTokens(db, userId);
  return { user, temporaryPassword: password };
}

/**
 * An administrator deactivates a user (no sign-in, session or API token of theirs works from now on) or
 * reactivates them. Not themselves: the last administrator could lock everyone out.
 */
export async function setUserActive(
  db: Db,
  actor: PublicUser,
  userId: string,
  active: boolean,
): Promise<PublicUser> {
  requireAdministrator(actor);
  if (userId === actor.id && !active) {
    throw new InvalidAccountError('you cannot deactivate your own account; another administrator can');
  }
  const user = await setDeactivatedAt(db, actor.id, userId, active ? null : new Date());
  if (user === 'actor_not_admin') throw new NotAdministratorError('only an active administrator can do this');
  if (!user) throw new UserNotFoundError('this user does not exist');
  return user;
}
