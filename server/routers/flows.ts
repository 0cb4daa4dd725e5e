import { z } from 'zod';
import { saveCodeFlow } from '../../engine/flows/save';
import { startExecution } from '../../engine/runtime/start';
import {
  createFlow,
  deleteFlow,
  getFlowByName,
  listFlows,
  MAX_FLOW_TIMEOUT_SECONDS,
  renameFlow,
  setFlowTimeout,
} from '../../engine/store/flows';
import { getEngine } from '../engine';
import { pgJson, pgText } from '../../engine/store/pg-values';
import { nameInput } from '../inputs';
import { protectedProcedure, router } from '../trpc';

// Names are checked by the engine's rules (engine/flows/name.ts); zod only bounds the size.
const flowName = nameInput;
const flowId = z.uuid('must be a flow id');
/** A code flow's source; the REST API bounds whole bodies at 1 MiB, this keeps the UI in the same range. */
const flowCode = pgText().max(1_000_000, 'the code is longer than 1,000,000 characters');

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
  /** How long a run of the flow may take before it is stopped. */
  setTimeout: protectedProcedure
    .input(z.object({ id: flowId, timeoutSeconds: z.number().int().min(1).max(MAX_FLOW_TIMEOUT_SECONDS) }))
    .mutation(({ ctx, input }) => setFlowTimeout(ctx.db, input.id, input.timeoutSeconds, ctx.user.id)),
  delete: protectedProcedure.input(z.object({ id: flowId })).mutation(async ({ ctx, input }) => {
    await deleteFlow(ctx.db, input.id);
    return { id: input.id };
  }),
  /** A new version of a code flow; a syntax error (FlowSyntaxError, line and column) saves nothing. */
  saveCode: protectedProcedure
    .input(z.object({ name: flowName, code: flowCode }))
    .mutation(async ({ ctx, input }) => {
      const flow = await getFlowByName(ctx.db, input.name);
      return saveCodeFlow(ctx.db, {
        flowId: flow.id,
        flowName: flow.name,
        code: input.code,
        userId: ctx.user.id,
      });
    }),
  /** Starts the flow's latest version; `productive: false` is dev mode. */
  run: protectedProcedure
    .input(z.object({ name: flowName, input: pgJson(), productive: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      const execution = await startExecution(await getEngine(), {
        flow: { name: input.name },
        input: input.input,
        isProductive: input.productive,
        startedBy: { kind: 'user', id: ctx.user.id },
      });
      return { id: execution.id };
    }),
});
