import { z } from 'zod';
import { inviteUser, listUsersFor, resetUserPassword, setUserActive } from '../../engine/auth/accounts';
import { pgText } from '../../engine/store/pg-values';
import { protectedProcedure, router } from '../trpc';

const userId = z.uuid('must be a user id');

/** User management; the engine refuses every one of these to anyone but an active administrator. */
export const usersRouter = router({
  list: protectedProcedure.query(({ ctx }) => listUsersFor(ctx.db, ctx.user)),
  /** The temporary password is in this answer only; it is never stored in clear or shown again. */
  invite: protectedProcedure
    .input(
      z.object({
        email: pgText().max(1000),
        name: pgText().max(1000).optional(),
        isAdmin: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) => inviteUser(ctx.db, ctx.user, input)),
  resetPassword: protectedProcedure
    .input(z.object({ id: userId }))
    .mutation(({ ctx, input }) => resetUserPassword(ctx.db, ctx.user, input.id)),
  setActive: protectedProcedure
    .input(z.object({ id: userId, active: z.boolean() }))
    .mutation(({ ctx, input }) => setUserActive(ctx.db, ctx.user, input.id, input.active)),
});
