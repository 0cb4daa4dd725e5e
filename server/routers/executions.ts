import { tracked } from '@trpc/server';
import { z } from 'zod';
import type { Graph } from '../../engine/graph/model';
import {
  ExecutionNotFoundError,
  getExecutionNodesView,
  getExecutionView,
  summarizeExecution,
} from '../../engine/executions/view';
import { liveList, liveTree } from '../../engine/executions/live';
import { cancelExecution } from '../../engine/runtime/finish';
import {
  EXECUTION_STATUSES,
  EXECUTION_TYPES,
  type ExecutionStatus,
  type ExecutionType,
} from '../../engine/store/database';
import { countChildren, cursorTime, listExecutionPage } from '../../engine/store/execution-list';
import { getExecution, getExecutionTree } from '../../engine/store/executions';
import { getFlowVersion } from '../../engine/store/flow-versions';
import { getFlowById, FlowNotFoundError } from '../../engine/store/flows';
import { isSnapshotText } from '../../engine/store/live';
import { listLogs } from '../../engine/store/logs';
import { getEngine } from '../engine';
import { getLiveHub, listLiveEvent, treeLiveEvent } from '../live';
import { protectedProcedure, router, whileSignedIn } from '../trpc';

const executionId = z.uuid('must be an execution id');
const PAGE_SIZE_MAX = 200;
/** The execution page shows this many log lines; older lines stay in the database and the REST API. */
const LOG_LINES = 1000;

const listFilter = {
  flowId: z.uuid('must be a flow id').optional(),
  status: z.array(z.enum(EXECUTION_STATUSES)).max(EXECUTION_STATUSES.length).optional(),
  type: z.array(z.enum(EXECUTION_TYPES)).max(EXECUTION_TYPES.length).optional(),
  mode: z.enum(['productive', 'dev']).optional(),
};

function pageFilter(input: {
  flowId?: string;
  status?: ExecutionStatus[];
  type?: ExecutionType[];
  mode?: string;
}) {
  return {
    flowId: input.flowId,
    status: input.status,
    type: input.type,
    isProductive: input.mode === undefined ? undefined : input.mode === 'productive',
  };
}

/**
 * A live subscription's resume point: the id of the last message the browser received (tRPC's SSE
 * link sends it back on reconnect). One this server did not give out starts the view afresh.
 */
const lastEventId = z.string().max(20_000).nullish();
const resumeFrom = (id: string | null | undefined) => (id && isSnapshotText(id) ? id : null);
/** The live list's first page, and the most changes one message carries before it sends that page again. */
const LIVE_LIST_ROWS = 50;

const listInput = z.object({
  ...listFilter,
  /** Only the direct children of this execution (the list's expanded row). */
  parentId: executionId.optional(),
  /** Only executions without a parent: the list's default, with children expandable under their row. */
  rootsOnly: z.boolean().optional(),
  limit: z.number().int().min(1).max(PAGE_SIZE_MAX).default(50),
  cursor: z
    .object({ createdAt: cursorTime, id: z.uuid() })
    .nullish()
    .describe('next_cursor of the previous page'),
});

/** The execution's flow as it is now (its name and latest version), or null when it has none or it was deleted. */
async function currentFlowOf(
  db: Parameters<typeof getFlowById>[0],
  flowId: string | null,
): Promise<{ name: string; version: number } | null> {
  if (!flowId) return null;
  try {
    const { name, version } = await getFlowById(db, flowId);
    return { name, version };
  } catch (error) {
    if (error instanceof FlowNotFoundError) return null; // the flow was deleted since
    throw error;
  }
}

export type SourceExcerpt = {
  line: number;
  column: number;
  lines: Array<{ number: number; text: string }>;
};

/**
 * The user's own line an error points at: the first `<file>.ts:line:column` frame of the stack (the
 * engine maps stacks to the flow's source), with two lines of context either side.
 */
export function sourceExcerpt(stack: string, code: string): SourceExcerpt | null {
  const frame = /\.ts:(\d+):(\d+)\)?\s*$/m.exec(stack);
  if (!frame) return null;
  const line = Number(frame[1]);
  const column = Number(frame[2]);
  const all = code.split('\n');
  if (line < 1 || line > all.length) return null;
  const first = Math.max(1, line - 2);
  const last = Math.min(all.length, line + 2);
  const lines = all.slice(first - 1, last).map((text, index) => ({ number: first + index, text }));
  return { line, column, lines };
}

/** The exact flow version an execution ran (its code, or its graph and compiled module). */
async function versionOf(
  db: Parameters<typeof getFlowVersion>[0],
  execution: { flow_id: string | null; flow_version: number | null },
) {
  if (!execution.flow_id || execution.flow_version === null) return undefined;
  return getFlowVersion(db, execution.flow_id, execution.flow_version);
}

function errorSource(
  execution: { error: { stack?: string } | null },
  code: string | null | undefined,
): SourceExcerpt | null {
  const stack = execution.error?.stack;
  return stack && code ? sourceExcerpt(stack, code) : null;
}

export const executionsRouter = router({
  /**
   * Latest first, one page at a time (keyset cursor: stable while new executions arrive), each with how
   * many direct children it has (the list offers to expand those that have some).
   */
  list: protectedProcedure.input(listInput).query(async ({ ctx, input }) => {
    const page = await listExecutionPage(
      ctx.db,
      { ...pageFilter(input), parentId: input.parentId, rootsOnly: input.rootsOnly },
      { limit: input.limit, after: input.cursor ?? undefined },
    );
    const childCounts = await countChildren(
      ctx.db,
      page.items.map((execution) => execution.id),
    );
    const items = page.items.map((execution) => ({
      ...summarizeExecution(execution),
      childCount: childCounts.get(execution.id) ?? 0,
    }));
    return { items, nextCursor: page.next };
  }),

  /** One execution as users see it, with its whole tree (from the root), its flow's name and its logs. */
  get: protectedProcedure.input(z.object({ id: executionId })).query(({ ctx, input }) =>
    // One snapshot: the execution, its tree and its logs must agree (a page that saw the tree ended
    // but the execution still running would stop refreshing on a stale status).
    ctx.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        const execution = await getExecutionView(trx, input.id);
        const [tree, logs, flow, version] = await Promise.all([
          getExecutionTree(trx, execution.root_id),
          listLogs(trx, input.id, { limit: LOG_LINES }),
          currentFlowOf(trx, execution.flow_id),
          versionOf(trx, execution),
        ]);
        return {
          execution,
          flowName: flow?.name ?? null,
          /** The flow's latest version: what Run again starts (null when the flow was deleted). */
          flowLatestVersion: flow?.version ?? null,
          /** Where the error happened in the flow's code (that version's), when the stack says. */
          errorSource: errorSource(execution, version?.code),
          /** The graph of the version a graph flow's execution ran (null for code and other executions). */
          graph: version?.kind === 'graph' ? (version.graph as Graph) : null,
          tree: tree.map(summarizeExecution),
          logs: logs.map((line) => ({
            id: line.id,
            at: line.at.toISOString(),
            level: line.level,
            message: line.message,
            data: line.data,
          })),
          logsTruncated: logs.length === LOG_LINES,
        };
      }),
  ),

  /** A graph flow execution's node records (how each node ran, was skipped or failed). */
  nodes: protectedProcedure
    .input(z.object({ id: executionId }))
    .query(({ ctx, input }) => getExecutionNodesView(ctx.db, input.id)),

  /**
   * An execution tree, live (server-sent events): first the whole tree from its root (executions and
   * their graph node records), then every change, each message tracked by the snapshot it was read in.
   */
  onTree: protectedProcedure
    .input(z.object({ rootId: executionId, lastEventId }))
    .subscription(async function* ({ ctx, input, signal }) {
      const abort = signal ?? new AbortController().signal;
      const batches = liveTree(ctx.db, getLiveHub(), input.rootId, resumeFrom(input.lastEventId), abort);
      for await (const batch of whileSignedIn(ctx, batches))
        yield tracked(batch.cursor, treeLiveEvent(batch.read, batch.first));
    }),

  /** The Executions list, live: its first page, then every new or changed execution of the filter. */
  onList: protectedProcedure.input(z.object({ ...listFilter, lastEventId })).subscription(async function* ({
    ctx,
    input,
    signal,
  }) {
    const abort = signal ?? new AbortController().signal;
    const since = resumeFrom(input.lastEventId);
    const batches = liveList(ctx.db, getLiveHub(), pageFilter(input), LIVE_LIST_ROWS, since, abort);
    for await (const batch of whileSignedIn(ctx, batches))
      yield tracked(batch.cursor, listLiveEvent(batch.read));
  }),

  /** Cancels the execution and every unfinished execution below it. */
  cancel: protectedProcedure.input(z.object({ id: executionId })).mutation(async ({ ctx, input }) => {
    if (!(await getExecution(ctx.db, input.id))) throw new ExecutionNotFoundError(input.id);
    const cancelled = await cancelExecution(await getEngine(), input.id);
    return { id: input.id, cancelled: cancelled.length };
  }),
});
