import type { Db } from '../store/db';
import type { Execution, ExecutionError, ExecutionStatus, ExecutionType, StartedBy } from '../store/database';
import { getChildren, getExecution } from '../store/executions';
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
