import { z } from 'zod';
import { compileGraph } from '../../engine/compile/compile';
import { renameGraphNode } from '../../engine/compile/rename';
import {
  checkGraph,
  convertFlowToCode,
  convertFlowToGraph,
  createGraphFlow,
  restoreFlowVersion,
  saveGraphFlow,
} from '../../engine/flows/graph-flows';
import { getFlowVersion, listFlowVersions } from '../../engine/store/flow-versions';
import { saveCodeFlow } from '../../engine/flows/save';
import { EMPTY_GRAPH, graphSchema, type Graph } from '../../engine/graph/model';
import type { Db } from '../../engine/store/db';
import { validateGraph } from '../../engine/graph/validate';
import { startExecution } from '../../engine/runtime/start';
import {
  createFlow,
  deleteFlow,
  FlowNotFoundError,
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
/** The version an editor's change is based on: a save over a newer one is refused (CONFLICT). */
const baseVersion = z.number().int().min(1);
/** A code flow's source; the REST API bounds whole bodies at 1 MiB, this keeps the UI in the same range. */
const flowCode = pgText().max(1_000_000, 'the code is longer than 1,000,000 characters');

const validateInput = z.object({ name: flowName.optional(), graph: z.unknown() });
const compileInput = z.object({ graph: graphSchema });

async function validateDraft(db: Db, input: z.output<typeof validateInput>) {
  const { graph, issues } = await checkGraph(db, input.graph, input.name);
  return { graph, issues };
}

function compileDraft(input: Graph) {
  const { graph, issues } = validateGraph(input);
  if (!graph) return { code: null, nodes: [], issues };
  const compiled = compileGraph(graph);
  return { code: compiled.code, nodes: compiled.nodes, issues: [...issues, ...compiled.issues] };
}

export const flowsRouter = router({
  list: protectedProcedure.query(({ ctx }) => listFlows(ctx.db)),
  get: protectedProcedure
    .input(z.object({ name: flowName }))
    .query(({ ctx, input }) => getFlowByName(ctx.db, input.name)),
  /** A code flow starts from the starter code, a graph flow from an empty graph. */
  create: protectedProcedure
    .input(z.object({ name: flowName, kind: z.enum(['code', 'graph']).default('code') }))
    .mutation(async ({ ctx, input }) =>
      input.kind === 'graph'
        ? (await createGraphFlow(ctx.db, { name: input.name, graph: EMPTY_GRAPH, userId: ctx.user.id })).flow
        : createFlow(ctx.db, { name: input.name, userId: ctx.user.id }),
    ),
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
    .input(z.object({ name: flowName, code: flowCode, baseVersion: baseVersion.optional() }))
    .mutation(async ({ ctx, input }) => {
      const flow = await getFlowByName(ctx.db, input.name);
      return saveCodeFlow(ctx.db, {
        flowId: flow.id,
        flowName: flow.name,
        code: input.code,
        baseVersion: input.baseVersion,
        userId: ctx.user.id,
      });
    }),
  /** A new version of a graph flow; an invalid graph (InvalidGraphError, every issue) saves nothing. */
  saveGraph: protectedProcedure
    .input(z.object({ name: flowName, graph: z.unknown(), baseVersion: baseVersion.optional() }))
    .mutation(async ({ ctx, input }) => {
      const flow = await getFlowByName(ctx.db, input.name);
      return saveGraphFlow(ctx.db, {
        flowId: flow.id,
        flowName: flow.name,
        graph: input.graph,
        baseVersion: input.baseVersion,
        userId: ctx.user.id,
      });
    }),
  /** The flow's versions, latest first, with author and time. */
  versions: protectedProcedure.input(z.object({ name: flowName })).query(async ({ ctx, input }) => {
    const flow = await getFlowByName(ctx.db, input.name);
    return listFlowVersions(ctx.db, flow.id);
  }),
  /** One version's content (its graph or code), to view read-only. */
  version: protectedProcedure
    .input(z.object({ name: flowName, version: z.number().int().min(1) }))
    .query(async ({ ctx, input }) => {
      const flow = await getFlowByName(ctx.db, input.name);
      const found = await getFlowVersion(ctx.db, flow.id, input.version);
      if (!found) throw new FlowNotFoundError(`flow '${flow.name}' has no version ${input.version}`);
      const { version, kind, graph, code, created_at } = found;
      return { version, kind, graph, code, created_at };
    }),
  /** An earlier version becomes the latest again (as a new version). */
  restore: protectedProcedure
    .input(
      z.object({ name: flowName, version: z.number().int().min(1), baseVersion: baseVersion.optional() }),
    )
    .mutation(({ ctx, input }) =>
      restoreFlowVersion(ctx.db, {
        name: input.name,
        version: input.version,
        baseVersion: input.baseVersion,
        userId: ctx.user.id,
      }),
    ),
  /*
   * validateGraph and compileGraph change nothing, yet are mutations: a query travels in the URL, and the
   * URL of a graph of a few dozen nodes is over the server's 16 KB header limit (431).
   */
  /** Every issue of a graph, as saving it would find them (nothing is saved). */
  validateGraph: protectedProcedure
    .input(validateInput)
    .mutation(({ ctx, input }) => validateDraft(ctx.db, input)),
  /** The module a graph compiles to, with the lines of each node (for the canvas's code tab). */
  compileGraph: protectedProcedure.input(compileInput).mutation(({ input }) => compileDraft(input.graph)),
  /** Renames a node of a graph and rewrites every reference to it (edges, expressions); nothing is saved. */
  renameNode: protectedProcedure
    .input(z.object({ graph: graphSchema, from: z.string().max(64), to: z.string().max(64) }))
    .mutation(({ input }) => renameGraphNode(input.graph, input.from, input.to)),
  /** Drop to code, or read code in the compiled shape back into a graph: a new version either way. */
  convert: protectedProcedure
    .input(z.object({ name: flowName, to: z.enum(['code', 'graph']) }))
    .mutation(async ({ ctx, input }) =>
      input.to === 'code'
        ? { ...(await convertFlowToCode(ctx.db, input.name, ctx.user.id)), warnings: [] }
        : convertFlowToGraph(ctx.db, input.name, ctx.user.id),
    ),
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
