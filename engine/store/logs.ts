import type { ExecutionLog, LogLevel } from './database';
import type { Conn } from './executions';

export type NewLogLine = {
  executionId: string;
  /** The journal position for lines written by user code, so a replay does not write them twice. */
  seq?: number | null;
  level: LogLevel;
  message: string;
  data?: unknown;
  nodeId?: string | null;
};

export async function appendLog(conn: Conn, line: NewLogLine): Promise<boolean> {
  const result = await conn
    .insertInto('execution_logs')
    .values({
      execution_id: line.executionId,
      seq: line.seq ?? null,
      level: line.level,
      message: line.message,
      data: line.data === undefined ? null : JSON.stringify(line.data),
      node_id: line.nodeId ?? null,
    })
    .onConflict((oc) => oc.columns(['execution_id', 'seq']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
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
