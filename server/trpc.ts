import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { ConnectorInputError } from '../engine/connectors/errors';
import { InvalidGraphError } from '../engine/graph/issues';
import type { Db } from '../engine/store/db';
import type { PublicUser } from '../engine/store/users';
import { crossSiteProblem } from './auth/same-origin';
import { getSession } from './auth/session';
import { getDb } from './db';
import { toTRPCError } from './errors';

/**
 * `crossSite`: why the HTTP request may be another site's (crossSiteProblem), or null. `stillSignedIn`:
 * asks the database again whether the session holds (absent: a caller without a session cookie).
 */
export type Context = {
  db: Db;
  user: PublicUser | null;
  crossSite?: string | null;
  stillSignedIn?: () => Promise<boolean>;
};

/** Over HTTP, with the request; a server component's caller has none (it is the app itself). */
export async function createContext(options?: { req: Request }): Promise<Context> {
  const crossSite = options ? crossSiteProblem(options.req) : null;
  const session = crossSite ? null : await getSession();
  return { db: getDb(), user: session?.user ?? null, crossSite, stillSignedIn: session?.stillSignedIn };
}

/** How often a live subscription re-checks its session before it sends more. */
const SESSION_RECHECK_MS = 10_000;

/**
 * A live subscription's events while its session holds: before sending, at most every 10 s, the session
 * is checked again, and a user deactivated (or whose password an administrator reset) gets no more
 * events: the stream ends with UNAUTHORIZED, and the browser's reconnect is refused like any request.
 */
export async function* whileSignedIn<T>(ctx: Context, events: AsyncIterable<T>): AsyncGenerator<T> {
  let checkedAt = Date.now();
  for await (const event of events) {
    if (ctx.stillSignedIn && Date.now() - checkedAt >= SESSION_RECHECK_MS) {
      if (!(await ctx.stillSignedIn()))
        throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Your session has ended. Sign in again.' });
      checkedAt = Date.now();
    }
    yield event;
  }
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  // Live subscriptions (docs/live.md). Pings every 3 s keep proxies from closing an idle stream and let
  // the browser notice a dead one: no message for 8 s and it reconnects, resuming from its last id. A
  // response ends after 5 minutes and the browser reconnects the same way, so no stream (and no
  // generator) lives forever.
  sse: {
    ping: { enabled: true, intervalMs: 3000 },
    maxDurationMs: 5 * 60 * 1000,
    client: { reconnectAfterInactivityMs: 8000 },
  },
  errorFormatter({ shape, error }) {
    // A zod failure becomes one readable line naming the field, instead of zod's JSON dump.
    if (error.cause instanceof ZodError) {
      const first = error.cause.issues[0];
      const field = first?.path.join('.') || 'input';
      return {
        ...shape,
        message: `${field}: ${first?.message ?? 'invalid'}`,
        data: { ...shape.data, field },
      };
    }
    // A connector input error names its field (dotted path), for a form to show the message there.
    if (error.cause instanceof ConnectorInputError) {
      return { ...shape, data: { ...shape.data, field: error.cause.field } };
    }
    // An invalid graph carries every issue, each at its node, for the canvas to show in place.
    if (error.cause instanceof InvalidGraphError) {
      return { ...shape, data: { ...shape.data, issues: error.cause.issues } };
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
/** Procedures run on the session cookie only: a request another site's page made with it is refused. */
const refuseCrossSite = t.middleware(({ ctx, next }) => {
  if (ctx.crossSite) throw new TRPCError({ code: 'FORBIDDEN', message: ctx.crossSite });
  return next();
});

export const publicProcedure = t.procedure.use(mapEngineErrors).use(refuseCrossSite);
/**
 * A signed-in user who may still hold a temporary password (invited, or reset by an administrator):
 * only choosing their own password is open to them (account.changePassword).
 */
export const passwordChangeProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});
/**
 * Everything else: a signed-in user with a password of their own. A temporary password (one an
 * administrator has seen) opens nothing but the password change, however the call is made.
 */
export const protectedProcedure = passwordChangeProcedure.use(({ ctx, next }) => {
  if (ctx.user.must_change_password)
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Choose your own password first (Settings).' });
  return next();
});
