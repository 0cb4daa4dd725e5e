import { sql, type RawBuilder } from 'kysely';
import type { Db } from './db';
import type { Execution } from './database';
import type { ExecutionNodeRecord } from './execution-nodes';
import { listExecutionPage, type ExecutionPageFilter } from './execution-list';
import type { Conn } from './executions';

/**
 * The reads behind live views (docs/live.md). Each runs in one read-only REPEATABLE READ transaction and
 * returns the snapshot it read in (`pg_snapshot` as text, e.g. `812:815:813`): the cursor of the view.
 * Given the previous cursor, a read returns only the rows whose last visible change (`change_xid`,
 * migration 0011) that cursor's snapshot did not see; so consecutive reads return every change exactly
 * once, whatever order the writing transactions committed in.
 */

/** A node record with the graph execution it belongs to. */
export type LiveNodeRecord = ExecutionNodeRecord & { execution_id: string };

export type TreeRead = {
  snapshot: string;
  executions: Execution[];
  nodes: LiveNodeRecord[];
  /** Log lines per execution of the tree (only those with any); counted on every read. */
  logCounts: Array<{ execution_id: string; count: number }>;
};

export type ListRead = {
  snapshot: string;
  executions: Execution[];
  /**
   * The rows are the list's first page, to replace what the view shows: on the first read, and when more
   * rows changed since the cursor than one read returns.
   */
  reset: boolean;
};

const SNAPSHOT_TEXT = /^(\d{1,20}):(\d{1,20}):((?:\d{1,20},)*\d{1,20})?$/;
const SNAPSHOT_MAX_LENGTH = 16_000;

/**
 * Whether the text is a snapshot PostgreSQL will accept (`pg_snapshot`'s input rules: xmin ≤ xmax, both
 * non-zero, each in-progress id within [xmin, xmax) and in ascending order). A cursor comes back from the
 * browser, so it is checked here rather than failing the read's transaction.
 */
export function isSnapshotText(text: string): boolean {
  if (text.length > SNAPSHOT_MAX_LENGTH) return false;
  const match = SNAPSHOT_TEXT.exec(text);
  if (!match) return false;
  const xmin = BigInt(match[1]!);
  const xmax = BigInt(match[2]!);
  if (xmin === 0n || xmin > xmax) return false;
  let last = xmin;
  for (const part of match[3]?.split(',') ?? []) {
    const xip = BigInt(part);
    if (xip < last || xip >= xmax) return false;
    last = xip;
  }
  return true;
}

/** Rows whose change the snapshot `since` did not see (the xmin test first: it can use an index). */
function changedSince(column: RawBuilder<unknown>, since: string): RawBuilder<boolean> {
  return sql<boolean>`(${column} >= pg_snapshot_xmin(${since}::pg_snapshot)
    and not pg_visible_in_snapshot(${column}, ${since}::pg_snapshot))`;
}

async function currentSnapshot(conn: Conn): Promise<string> {
  const result = await sql<{ snapshot: string }>`select pg_current_snapshot()::text as snapshot`.execute(
    conn,
  );
  return result.rows[0]!.snapshot;
}

function readOnlySnapshot<T>(db: Db, read: (conn: Conn) => Promise<T>): Promise<T> {
  return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(read);
}

/**
 * The tree under `rootId` (the root and every descendant), its graph executions' node records and its
 * log counts; with `since`, only the executions and node records changed after that snapshot.
 */
export function readTree(db: Db, rootId: string, since: string | null): Promise<TreeRead> {
  return readOnlySnapshot(db, async (conn) => {
    // The snapshot is taken by this first statement and holds for the whole transaction.
    const snapshot = await currentSnapshot(conn);
    const executions = await conn
      .selectFrom('executions')
      .selectAll()
      .where('root_id', '=', rootId)
      .$if(since !== null, (query) => query.where(changedSince(sql.ref('change_xid'), since!)))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const nodes = await sql<LiveNodeRecord>`
      select n.execution_id, n.node_id, n.status, n.started_at, n.ended_at, n.attempts, n.child_id,
        case when n.child_id is not null then c.output else n.output end as output, n.error
      from execution_nodes n
      join executions e on e.id = n.execution_id
      left join executions c on c.id = n.child_id
      where e.root_id = ${rootId}::uuid
        ${since === null ? sql`` : sql`and ${changedSince(sql.ref('n.change_xid'), since)}`}
      order by n.execution_id, coalesce(n.started_at, n.ended_at) nulls last, n.node_id`.execute(conn);
    const logCounts = await sql<{ execution_id: string; count: number }>`
      select l.execution_id, count(*)::int as count
      from execution_logs l
      join executions e on e.id = l.execution_id
      where e.root_id = ${rootId}::uuid
      group by l.execution_id`.execute(conn);
    return { snapshot, executions, nodes: nodes.rows, logCounts: logCounts.rows };
  });
}

/**
 * The Executions list: without `since`, its first page (latest first, as listExecutionPage); with it,
 * every execution changed after that snapshot that matches the filter's fixed attributes (flow, type,
 * mode; a status filter is the viewer's to apply, as a row can move into or out of it). When more than
 * `limit` changed, the first page again (`reset`).
 */
export function readList(
  db: Db,
  filter: ExecutionPageFilter,
  since: string | null,
  limit: number,
): Promise<ListRead> {
  return readOnlySnapshot(db, async (conn) => {
    const snapshot = await currentSnapshot(conn);
    const firstPage = async () => ({
      snapshot,
      executions: (await listExecutionPage(conn, filter, { limit })).items,
      reset: true,
    });
    if (since === null) return firstPage();
    const rows = await conn
      .selectFrom('executions')
      .selectAll()
      .where(changedSince(sql.ref('change_xid'), since))
      .$if(filter.flowId !== undefined, (query) => query.where('flow_id', '=', filter.flowId!))
      .$if(Boolean(filter.type?.length), (query) => query.where('type', 'in', filter.type!))
      .$if(filter.isProductive !== undefined, (query) =>
        query.where('is_productive', '=', filter.isProductive!),
      )
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return rows.length > limit ? firstPage() : { snapshot, executions: rows, reset: false };
  });
}
