import { z } from 'zod';
import { apiTokenExpirySchema, createApiToken, revokeUserApiToken } from '../../engine/auth/api-tokens';
import { listActiveApiTokens } from '../../engine/store/api-tokens';
import { pgText } from '../../engine/store/pg-values';
import { protectedProcedure, router } from '../trpc';

export const apiTokensRouter = router({
  list: protectedProcedure.query(({ ctx }) => listActiveApiTokens(ctx.db, ctx.user.id)),
  /** The token is in this answer only; it is never stored or shown again. Without expiry: until revoked. */
  create: protectedProcedure
    .input(z.object({ name: pgText().max(1000), expiresInDays: apiTokenExpirySchema.optional() }))
    .mutation(({ ctx, input }) =>
      createApiToken(ctx.db, ctx.user.id, input.name, { expiresInDays: input.expiresInDays }),
    ),
  revoke: protectedProcedure
    .input(z.object({ id: z.uuid('must be a token id') }))
    .mutation(async ({ ctx, input }) => {
      await revokeUserApiToken(ctx.db, ctx.user.id, input.id);
      return { id: input.id };
    }),
});
