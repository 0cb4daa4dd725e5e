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

/** What appending a batch of lines did: lines new to the log, and lines it already held (a replay's). */
export type Appended = { added: number; present: number };

/**
 * Appends log lines of a run in one statement, fenced (a stale run's lines are refused, see
 * mapFenceErrors). Lines with a number a replay already wrote are skipped (counted as `present`). With
 * `maxLines`, no more new lines are written than leave the execution's log at that many, not counting
 * the engine's own lines (ENGINE_LINE_SEQ): the database counts what is stored, so neither a replay
 * nor a runner that numbers its lines oddly gets past it. The lines not written are the caller's to count.
 */
export async function appendRunLogs(
  conn: Conn,
  fence: Fence,
  lines: ReadonlyArray<Omit<NewLogLine, 'executionId'>>,
  options: { maxLines?: number } = {},
): Promise<Appended> {
  if (lines.length === 0) return { added: 0, present: 0 };
  const rows = lines.map((line, position) => ({
    position,
    seq: line.seq ?? null,
    line: line.line ?? null,
    level: line.level,
    message: line.message,
    data: line.data === undefined ? null : line.data,
    node_id: line.nodeId ?? null,
  }));
  const room =
    options.maxLines === undefined
      ? sql`null`
      : sql`greatest(0, ${options.maxLines}::int - (
          select count(*) from execution_logs
          where execution_id = ${fence.executionId}::uuid and (seq is null or seq <> ${ENGINE_LINE_SEQ})))`;
  const result = await sql<Appended>`
    with incoming as (
      select r.*, r.seq is not null and exists (
          select 1 from execution_logs l
          where l.execution_id = ${fence.executionId}::uuid and l.seq = r.seq and l.line = r.line
        ) as present
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(position integer, seq integer, line integer, level text, message text, data jsonb, node_id text)
      where (select ${fenceHolds(fence)})
    ), added as (
      insert into execution_logs (execution_id, seq, line, level, message, data, node_id)
      select ${fence.executionId}::uuid, seq, line, level, message, data, node_id
      from (select * from incoming where not present order by position limit ${room}) fresh
      order by position
      on conflict (execution_id, seq, line) do nothing
      returning 1
    )
    select (select count(*) from added)::int as added,
      (select count(*) from incoming where present)::int as present`.execute(conn);
  return result.rows[0] ?? { added: 0, present: 0 };
}

/**
 * The seq of the lines the engine itself writes about a log (ENGINE_LINES): below every position
 * user code can have (steps count from 0), so each is written once per execution, replays or not.
 */
export const ENGINE_LINE_SEQ = -1;
export const ENGINE_LINES = { dropped: 1, droppedCount: 2 } as const;

/**
 * Writes one of the engine's lines about this execution's log, fenced. `replace`: a later run's line
 * replaces an earlier one's (the count of dropped lines is the ending run's); otherwise the first stays.
 */
export async function writeEngineLine(
  conn: Conn,
  fence: Fence,
  line: { line: number; level: LogLevel; message: string; replace: boolean },
): Promise<number> {
  const result = await sql`
    insert into execution_logs (execution_id, seq, line, level, message)
    select ${fence.executionId}::uuid, ${ENGINE_LINE_SEQ}, ${line.line}, ${line.level}, ${line.message}
    where (select ${fenceHolds(fence)})
    on conflict (execution_id, seq, line) do ${
      line.replace ? sql`update set message = excluded.message, level = excluded.level` : sql`nothing`
    }`.execute(conn);
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
