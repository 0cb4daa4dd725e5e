import { sql } from 'kysely';
import type { NodeError, NodeStatus } from './database';
import { fenceHolds, type Conn, type Fence } from './executions';

/** One node's record as a batch of reports left it (engine/runtime/host/nodes.ts folds them). */
export type NodeRecordWrite = {
  nodeId: string;
  status: Exclude<NodeStatus, 'cancelled'>;
  startedAt: Date | null;
  endedAt: Date | null;
  attempts: number;
  childId: string | null;
  /** undefined: none (a child's node, a skipped one); the value otherwise. */
  output: unknown;
  error: NodeError | null;
};

/**
 * Writes node records of a run in one statement, fenced (a run that lost its execution writes nothing:
 * FL001, see mapFenceErrors). The rules that make a replay's reports repeats: a record that has ended
 * never changes again, `started_at` keeps its first value, `attempts` is the highest seen, and a child
 * once named stays named unless a later attempt names another. Returns the records that changed.
 */
export async function writeNodeRecords(
  conn: Conn,
  fence: Fence,
  records: readonly NodeRecordWrite[],
): Promise<number> {
  if (records.length === 0) return 0;
  const rows = records.map((record) => ({
    node_id: record.nodeId,
    status: record.status,
    started_at: record.startedAt?.toISOString() ?? null,
    ended_at: record.endedAt?.toISOString() ?? null,
    attempts: record.attempts,
    child_id: record.childId,
    has_output: record.output !== undefined,
    output: record.output === undefined ? null : record.output,
    error: record.error,
  }));
  const result = await sql`
    insert into execution_nodes as n
      (execution_id, node_id, status, started_at, ended_at, attempts, child_id, output, error)
    select ${fence.executionId}::uuid, r.node_id, r.status, r.started_at, r.ended_at, r.attempts, r.child_id,
      case when r.has_output then r.output end, r.error
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as r(node_id text, status text, started_at timestamptz, ended_at timestamptz, attempts integer,
        child_id uuid, has_output boolean, output jsonb, error jsonb)
    where (select ${fenceHolds(fence)})
    on conflict (execution_id, node_id) do update set
      status = excluded.status,
      started_at = coalesce(n.started_at, excluded.started_at),
      ended_at = excluded.ended_at,
      attempts = greatest(n.attempts, excluded.attempts),
      child_id = coalesce(excluded.child_id, n.child_id),
      output = excluded.output,
      error = excluded.error
    where n.status = 'running'`.execute(conn);
  return Number(result.numAffectedRows ?? 0n);
}

/** A node's record as views read it: for a node that started a child, the child's output. */
export type ExecutionNodeRecord = {
  node_id: string;
  status: NodeStatus;
  started_at: Date | null;
  ended_at: Date | null;
  attempts: number;
  child_id: string | null;
  output: unknown;
  error: NodeError | null;
};

/** Every node record of an execution, in the order the nodes started (skipped ones by when they were). */
export async function listExecutionNodes(conn: Conn, executionId: string): Promise<ExecutionNodeRecord[]> {
  const rows = await sql<ExecutionNodeRecord>`
    select n.node_id, n.status, n.started_at, n.ended_at, n.attempts, n.child_id,
      case when n.child_id is not null then c.output else n.output end as output, n.error
    from execution_nodes n
    left join executions c on c.id = n.child_id
    where n.execution_id = ${executionId}::uuid
    order by coalesce(n.started_at, n.ended_at) nulls last, n.node_id`.execute(conn);
  return rows.rows;
}
