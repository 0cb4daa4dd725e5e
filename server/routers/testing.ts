import { TRPCError } from '@trpc/server';
import { createUser } from '../../engine/auth/accounts';
import type { Db } from '../../engine/store/db';

/**
 * Router tests: a signed-in administrator's caller and an anonymous one, on the test's own database.
 * The router is imported here, late, so a test can set DATABASE_URL (which server/engine.ts reads) first.
 */
export async function routerCallers(db: Db, email: string) {
  const { createCallerFactory } = await import('../trpc');
  const { appRouter } = await import('./_app');
  const user = await createUser(db, { email, password: 'password 123' }, { isAdmin: true });
  const createCaller = createCallerFactory(appRouter);
  return { user, signedIn: createCaller({ db, user }), anonymous: createCaller({ db, user: null }) };
}

/** The tRPC code and message a call failed with; a call that succeeds fails the test. */
export async function trpcFailureOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the call to fail');
}
