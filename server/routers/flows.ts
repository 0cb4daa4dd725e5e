import { z } from 'zod';
import { createFlow, deleteFlow, getFlowByName, listFlows, renameFlow } from '../../engine/store/flows';
import { protectedProcedure, router } from '../trpc';

// Names are checked by the engine's rules (engine/flows/name.ts); zod only bounds the size.
const flowName = z.string().max(1000);
const flowId = z.uuid('must be a flow id');

export const flowsRouter = router({
  list: protectedProcedure.query(({ ctx }) => listFlows(ctx.db)),
  get: protectedProcedure
    .input(z.object({ name: flowName }))
    .query(({ ctx, input }) => getFlowByName(ctx.db, input.name)),
  create: protectedProcedure
    .input(z.object({ name: flowName }))
    .mutation(({ ctx, input }) => createFlow(ctx.db, { name: input.name, userId: ctx.user.id })),
  rename: protectedProcedure
    .input(z.object({ id: flowId, name: flowName }))
    .mutation(({ ctx, input }) => renameFlow(ctx.db, input.id, input.name, ctx.user.id)),
  delete: protectedProcedure.input(z.object({ id: flowId })).mutation(async ({ ctx, input }) => {
    await deleteFlow(ctx.db, input.id);
    return { id: input.id };
  }),
});
