import { LiveHub } from '../engine/executions/live';
import {
  summarizeExecution,
  viewExecutionNode,
  type ExecutionNodeView,
  type ExecutionSummary,
} from '../engine/executions/view';
import type { Execution, ExecutionError } from '../engine/store/database';
import type { LiveTreeRead } from '../engine/executions/live';
import type { ListRead, LiveNodeRecord } from '../engine/store/live';

/**
 * The payloads of the live subscriptions (executions.onTree, executions.onList), shared by the server
 * and the browser's hooks (components/executions/live-store.ts). Dates are ISO strings, as in every
 * other view of executions.
 */

/** An execution as the live tree shows it: its summary and its result so far. */
export type LiveExecution = ExecutionSummary & {
  node_id: string | null;
  output_value: unknown;
  message: string | null;
  error: ExecutionError | null;
};

/** A graph node's record in the live tree (engine/store/execution-nodes.ts), keyed by execution and node. */
export type LiveNode = ExecutionNodeView & { execution_id: string };

/**
 * One message of executions.onTree. `snapshot`: the whole tree, to replace what the view holds (the
 * first message of a fresh subscription). `changes`: executions and node records changed since the
 * previous message, each in its whole current state. `logCounts` is the tree's log lines per execution,
 * in full, whenever it changed.
 */
export type TreeLiveEvent = {
  kind: 'snapshot' | 'changes';
  executions: LiveExecution[];
  nodes: LiveNode[];
  logCounts: Record<string, number> | null;
};

/**
 * One message of executions.onList. `reset`: the list's first page, to replace what the view holds (the
 * first message, or after more changes than one message carries); otherwise the changed executions.
 */
export type ListLiveEvent = { reset: boolean; executions: ExecutionSummary[] };

function liveExecution(execution: Execution): LiveExecution {
  return {
    ...summarizeExecution(execution),
    node_id: execution.node_id,
    output_value: execution.output,
    message: execution.message,
    error: execution.error,
  };
}

function liveNode(record: LiveNodeRecord): LiveNode {
  return { execution_id: record.execution_id, ...viewExecutionNode(record) };
}

export function treeLiveEvent(read: LiveTreeRead, first: boolean): TreeLiveEvent {
  return {
    kind: first ? 'snapshot' : 'changes',
    executions: read.executions.map(liveExecution),
    nodes: read.nodes.map(liveNode),
    logCounts:
      first || read.logCountsChanged
        ? Object.fromEntries(read.logCounts.map((row) => [row.execution_id, row.count]))
        : null,
  };
}

export function listLiveEvent(read: ListRead): ListLiveEvent {
  return { reset: read.reset, executions: read.executions.map(summarizeExecution) };
}

const holder = globalThis as typeof globalThis & { flowlineLiveHub?: LiveHub };

/** The process's one LISTEN connection for live views, shared by every route bundle (see server/engine.ts). */
export function getLiveHub(): LiveHub {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: start Flowline with `npm start`');
  holder.flowlineLiveHub ??= new LiveHub(url);
  return holder.flowlineLiveHub;
}

/** Closes the process's live hub, if one was opened (tests, before their database is dropped). */
export async function closeLiveHub(): Promise<void> {
  const hub = holder.flowlineLiveHub;
  holder.flowlineLiveHub = undefined;
  await hub?.close();
}
