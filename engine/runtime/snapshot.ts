import type { ExecutionSnapshot } from '../api/protocol';
import type { Execution } from '../store/database';

/** A child execution as its parent's code sees it (a handle's fields). */
export function snapshotOf(execution: Execution): ExecutionSnapshot {
  return {
    id: execution.id,
    type: execution.type,
    name: execution.name,
    status: execution.status,
    output: execution.output ?? null,
    message: execution.message,
    error: execution.error ? { name: execution.error.name, message: execution.error.message } : null,
  };
}
