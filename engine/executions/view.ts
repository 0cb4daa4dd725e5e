import type { Db } from '../store/db';
import type {
  Execution,
  ExecutionError,
  ExecutionStatus,
  ExecutionType,
  NodeError,
  NodeStatus,
  StartedBy,
} from '../store/database';
import { listExecutionNodes, type ExecutionNodeRecord } from '../store/execution-nodes';
import { getChildren, getExecution, type Conn } from '../store/executions';
import { UserError } from '../errors';

export class ExecutionNotFoundError extends UserError {
  override name = 'ExecutionNotFoundError';
  readonly kind = 'not_found';
  constructor(id: string) {
    super(`execution '${id}' does not exist`);
  }
}

export type ExecutionSummary = {
  id: string;
  type: ExecutionType;
  name: string;
  status: ExecutionStatus;
  is_productive: boolean;
  parent_id: string | null;
  root_id: string;
  flow_id: string | null;
  flow_version: number | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
};

/** An execution as users and API clients see it. Internal fields (leases, the sealed call) stay out. */
export type ExecutionView = ExecutionSummary & {
  input_value: unknown;
  output_value: unknown;
  message: string | null;
  error: ExecutionError | null;
  node_id: string | null;
  started_by: StartedBy;
  duration_ms: number | null;
  children: ExecutionSummary[];
};

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function summarizeExecution(execution: Execution): ExecutionSummary {
  return {
    id: execution.id,
    type: execution.type,
    name: execution.name,
    status: execution.status,
    is_productive: execution.is_productive,
    parent_id: execution.parent_id,
    root_id: execution.root_id,
    flow_id: execution.flow_id,
    flow_version: execution.flow_version,
    created_at: execution.created_at.toISOString(),
    started_at: iso(execution.started_at),
    ended_at: iso(execution.ended_at),
  };
}

export function viewExecution(execution: Execution, children: Execution[]): ExecutionView {
  const started = execution.started_at ?? execution.created_at;
  return {
    ...summarizeExecution(execution),
    input_value: execution.input,
    output_value: execution.output,
    message: execution.message,
    error: execution.error,
    node_id: execution.node_id,
    started_by: execution.started_by,
    duration_ms: execution.ended_at ? execution.ended_at.getTime() - started.getTime() : null,
    children: children.map(summarizeExecution),
  };
}

export async function getExecutionView(db: Db, id: string): Promise<ExecutionView> {
  const [execution, children] = await Promise.all([getExecution(db, id), getChildren(db, id)]);
  if (!execution) throw new ExecutionNotFoundError(id);
  return viewExecution(execution, children);
}

/** A graph node's record as users and API clients see it (engine/store/execution-nodes.ts). */
export type ExecutionNodeView = {
  node_id: string;
  status: NodeStatus;
  started_at: string | null;
  ended_at: string | null;
  attempts: number;
  child_id: string | null;
  /** The node's output: its child's, for a node that started one. */
  output_value: unknown;
  error: NodeError | null;
};

/** The node records of a graph flow's execution (none for other executions); unknown id: not found. */
export async function getExecutionNodesView(db: Conn, id: string): Promise<ExecutionNodeView[]> {
  const [execution, records] = await Promise.all([getExecution(db, id), listExecutionNodes(db, id)]);
  if (!execution) throw new ExecutionNotFoundError(id);
  return records.map(viewExecutionNode);
}

/** A node record as the API and the live views show it: times as ISO strings, its output as `output_value`. */
export function viewExecutionNode(record: ExecutionNodeRecord): ExecutionNodeView {
  return {
    node_id: record.node_id,
    status: record.status,
    started_at: iso(record.started_at),
    ended_at: iso(record.ended_at),
    attempts: record.attempts,
    child_id: record.child_id,
    output_value: record.output,
    error: record.error,
  };
}
