import { z } from 'zod';
import { changeOwnPassword } from '../../engine/auth/accounts';
import { passwordChangeProcedure, router } from '../trpc';

/** The signed-in user's own account. The engine checks the passwords, reporting every problem at once. */
export const accountRouter = router({
  changePassword: passwordChangeProcedure
    .input(
      z.object({
        currentPassword: z.string().max(4096),
        newPassword: z.string().max(4096),
        repeatPassword: z.string().max(4096),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const user = await changeOwnPassword(ctx.db, ctx.user.id, input);
      // Every session of the user ended with the change: the browser signs in again with the new one.
      return { changed: true, email: user.email };
    }),
});
