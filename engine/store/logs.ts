import { sql } from 'kysely';
import type { ExecutionLog, LogLevel } from './database';
import { fenceHolds, type Conn, type Fence } from './executions';

export type NewLogLine = {
  executionId: string;
  /**
   * For lines of user code, their position: the journal step they follow and their place after it, so a
   * replay does not write them twice.
   */
  seq?: number | null;
  line?: number | null;
  level: LogLevel;
  message: string;
  data?: unknown;
  nodeId?: string | null;
};

/**
 * Appends log lines of a run in one statement, fenced (a stale run's lines are refused, see
 * mapFenceErrors). Lines with a number a replay already wrote are skipped. Returns how many were new.
 */
export async function appendRunLogs(
  conn: Conn,
  fence: Fence,
  lines: ReadonlyArray<Omit<NewLogLine, 'executionId'>>,
): Promise<number> {
  if (lines.length === 0) return 0;
  const rows = lines.map((line) => ({
    seq: line.seq ?? null,
    line: line.line ?? null,
    level: line.level,
    message: line.message,
    data: line.data === undefined ? null : line.data,
    node_id: line.nodeId ?? null,
  }));
  const result = await sql`
    insert into execution_logs (execution_id, seq, line, level, message, data, node_id)
    select ${fence.executionId}::uuid, r.seq, r.line, r.level, r.message, r.data, r.node_id
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as r(seq integer, line integer, level text, message text, data jsonb, node_id text)
    where (select ${fenceHolds(fence)})
    on conflict (execution_id, seq, line) do nothing`.execute(conn);
  return Number(result.numAffectedRows ?? 0n);
}

export async function listLogs(
  conn: Conn,
  executionId: string,
  options: { afterId?: number; limit?: number } = {},
): Promise<ExecutionLog[]> {
  let query = conn.selectFrom('execution_logs').selectAll().where('execution_id', '=', executionId);
  if (options.afterId !== undefined) query = query.where('id', '>', options.afterId);
  return query
    .orderBy('id')
    .limit(options.limit ?? 1000)
    .execute();
}
