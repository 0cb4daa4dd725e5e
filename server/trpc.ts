import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import type { Db } from '../engine/store/db';
import type { PublicUser } from '../engine/store/users';
import { getSessionUser } from './auth/session';
import { getDb } from './db';
import { toTRPCError } from './errors';

export type Context = { db: Db; user: PublicUser | null };

export async function createContext(): Promise<Context> {
  return { db: getDb(), user: await getSessionUser() };
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // A zod failure becomes one readable line naming the field, instead of zod's JSON dump.
    if (error.cause instanceof ZodError) {
      const first = error.cause.issues[0];
      const field = first?.path.join('.') || 'input';
      return { ...shape, message: `${field}: ${first?.message ?? 'invalid'}` };
    }
    return shape;
  },
});

const mapEngineErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped) throw mapped;
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapEngineErrors);
export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});
