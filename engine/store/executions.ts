import { sql, type InsertObject, type Kysely, type Transaction } from 'kysely';
import type { Db } from './db';
import type { Database, Execution, ExecutionError, ExecutionStatus, ExecutionType } from './database';

/** A database handle or an open transaction: store functions work inside either. */
export type Conn = Kysely<Database> | Transaction<Database>;

export const ENDED_STATUSES: readonly ExecutionStatus[] = ['ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED'];
const UNENDED_STATUSES: ExecutionStatus[] = ['PENDING', 'RUNNING', 'WAITING', 'PAUSED'];

export function isEnded(status: ExecutionStatus | string): boolean {
  return status.startsWith('ENDED_');
}

/** What a WAITING execution waits for; null once it has been woken. */
export type WaitCondition =
  | { kind: 'children'; ids: string[]; returnWhen: 'ALL_SUCCEEDED' | 'ALL_ENDED' | 'FIRST_ENDED' }
  | { kind: 'sleep'; until: number };

export async function insertExecution(
  conn: Conn,
  values: InsertObject<Database, 'executions'>,
): Promise<Execution> {
  return conn.insertInto('executions').values(values).returningAll().executeTakeFirstOrThrow();
}

/**
 * Inserts a child and its parent's journal step in ONE statement (the inline fast
 * path: a synchronous child needs no queue job, so no transaction of several statements). Returns the
 * row and whether the step was new; when it was not (another run recorded it first) the row is removed.
 */
export async function insertChildWithStep(
  conn: Conn,
  values: InsertObject<Database, 'executions'>,
  step: { executionId: string; seq: number; kind: string; request: unknown; childId: string },
): Promise<Execution | undefined> {
  const result = await conn
    .with('e', (db) => db.insertInto('executions').values(values).returningAll())
    .with('s', (db) =>
      db
        .insertInto('execution_steps')
        .values({
          execution_id: step.executionId,
          seq: step.seq,
          kind: step.kind,
          request: JSON.stringify(step.request ?? null),
          status: 'STARTED',
          child_id: step.childId,
        })
        .onConflict((oc) => oc.columns(['execution_id', 'seq']).doNothing())
        .returning('seq'),
    )
    .selectFrom('e')
    .selectAll('e')
    .select(sql<number>`(select count(*) from s)`.as('step_recorded'))
    .executeTakeFirstOrThrow();
  const { step_recorded: recorded, ...execution } = result;
  if (Number(recorded) === 0) {
    await conn.deleteFrom('executions').where('id', '=', execution.id).execute();
    return undefined;
  }
  return execution as Execution;
}

export async function insertExecutions(
  conn: Conn,
  values: ReadonlyArray<InsertObject<Database, 'executions'>>,
): Promise<Execution[]> {
  if (values.length === 0) return [];
  return conn
    .insertInto('executions')
    .values([...values])
    .returningAll()
    .execute();
}

export async function getExecution(conn: Conn, id: string): Promise<Execution | undefined> {
  return conn.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getExecutions(conn: Conn, ids: readonly string[]): Promise<Execution[]> {
  if (ids.length === 0) return [];
  return conn
    .selectFrom('executions')
    .selectAll()
    .where('id', '=', sql<string>`any(${sql.val(ids)}::uuid[])`)
    .execute();
}

/** Every execution of a tree, oldest first. */
export async function getExecutionTree(conn: Conn, rootId: string): Promise<Execution[]> {
  return conn
    .selectFrom('executions')
    .selectAll()
    .where('root_id', '=', rootId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function getChildren(conn: Conn, parentId: string): Promise<Execution[]> {
  return conn
    .selectFrom('executions')
    .selectAll()
    .where('parent_id', '=', parentId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export type ExecutionListFilter = {
  flowId?: string;
  status?: ExecutionStatus[];
  type?: ExecutionType;
  parentId?: string;
  rootId?: string;
  limit?: number;
};

export async function listExecutions(conn: Conn, filter: ExecutionListFilter): Promise<Execution[]> {
  let query = conn.selectFrom('executions').selectAll();
  if (filter.flowId) query = query.where('flow_id', '=', filter.flowId);
  if (filter.status && filter.status.length > 0) query = query.where('status', 'in', filter.status);
  if (filter.type) query = query.where('type', '=', filter.type);
  if (filter.parentId) query = query.where('parent_id', '=', filter.parentId);
  if (filter.rootId) query = query.where('root_id', '=', filter.rootId);
  return query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 100)
    .execute();
}

/**
 * Takes an execution for a worker: it must not have ended, and no other worker may hold a live lease
 * on it. Bumps `attempts`, the fencing token every later write of this run must present.
 */
export async function claimExecution(
  conn: Conn,
  id: string,
  workerId: string,
  leaseMs: number,
): Promise<Execution | undefined> {
  return conn
    .updateTable('executions')
    .set({
      worker_id: workerId,
      lease_until: sql<Date>`now() + ${leaseMs} * interval '1 millisecond'`,
      status: 'RUNNING',
      started_at: sql<Date>`coalesce(started_at, now())`,
      attempts: sql<number>`attempts + 1`,
      wait_for: null,
      wait_remaining: null,
    })
    .where('id', '=', id)
    .where('status', 'in', ['PENDING', 'RUNNING', 'WAITING'])
    .where((eb) => eb.or([eb('worker_id', 'is', null), eb('lease_until', '<', sql<Date>`now()`)]))
    .returningAll()
    .executeTakeFirst();
}

/**
 * The heartbeat: extends the leases of the executions this worker is actually running or about to
 * run (`ids`), and only those: a row that names this worker but that it no longer runs (e.g. left
 * behind by a statement whose answer a PostgreSQL restart swallowed) must expire and be taken over.
 * Returns the ids still held.
 */
export async function renewLeases(
  conn: Conn,
  workerId: string,
  leaseMs: number,
  ids: readonly string[],
): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await conn
    .updateTable('executions')
    .set({ lease_until: sql<Date>`now() + ${leaseMs} * interval '1 millisecond'` })
    .where('worker_id', '=', workerId)
    .where('id', '=', sql<string>`any(${sql.val(ids)}::uuid[])`)
    .where('status', 'in', UNENDED_STATUSES)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * Frees executions whose lease ran out (their worker died, or no longer runs them), so they can be
 * queued again; never one this worker is running right now (`running`). SKIP LOCKED lets several
 * workers reap at once without taking the same rows.
 */
export async function releaseExpiredLeases(
  conn: Conn,
  running: readonly string[],
  limit = 200,
): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    update executions e set worker_id = null, lease_until = null
    from (
      select id from executions
      where worker_id is not null and lease_until < now() and not (id = any(${sql.val(running)}::uuid[]))
        and status in ('PENDING', 'RUNNING', 'WAITING')
      order by lease_until
      limit ${limit}
      for update skip locked
    ) expired
    where e.id = expired.id
    returning e.id`.execute(conn);
  return rows.rows.map((row) => row.id);
}

/**
 * Woken executions (wait over) that no worker queued by their deadline, because the worker that woke
 * them died between the two steps (see endChildSuccess): queued again. A duplicate job is harmless,
 * only one claim can win.
 */
export async function takeUnqueuedWakes(conn: Conn, limit = 200): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    update executions e set lease_until = now() + interval '10 seconds'
    from (
      select id from executions
      where status = 'WAITING' and wait_for is null and worker_id is null and lease_until < now()
      limit ${limit}
      for update skip locked
    ) due
    where e.id = due.id
    returning e.id`.execute(conn);
  return rows.rows.map((row) => row.id);
}

/**
 * Ends a child that succeeded and counts its parent's wait down, in one round trip (the database
 * function of migration 0006). `woke`: the parent's wait is over and it must be queued now.
 */
export async function endChildSuccess(
  conn: Conn,
  id: string,
  attempt: number | null,
  fields: { output?: unknown; message?: string | null },
): Promise<{ parentId: string | null; woke: boolean; rootId: string; nodeId: string | null } | undefined> {
  const setOutput = fields.output !== undefined;
  const setMessage = fields.message !== undefined;
  const rows = await sql<{
    parent_id: string | null;
    woke: boolean;
    root_id: string;
    node_id: string | null;
  }>`
    select * from flowline_end_child_success2(${id}::uuid, ${attempt}::int, ${setOutput},
      ${setOutput ? JSON.stringify(fields.output) : null}::jsonb, ${setMessage}, ${fields.message ?? null}::text)`.execute(
    conn,
  );
  const row = rows.rows[0];
  return row
    ? { parentId: row.parent_id, woke: row.woke, rootId: row.root_id, nodeId: row.node_id }
    : undefined;
}

/** Gives up one run's claim now (its lease expires at once; the reaper queues it again). */
export async function expireClaim(conn: Conn, id: string, attempt: number): Promise<void> {
  await conn
    .updateTable('executions')
    .set({ lease_until: sql<Date>`now() - interval '1 second'` })
    .where('id', '=', id)
    .where('attempts', '=', attempt)
    .where('status', 'in', UNENDED_STATUSES)
    .execute();
}

/** On a graceful stop: hands everything this worker holds back at once. */
export async function releaseWorkerLeases(conn: Conn, workerId: string): Promise<string[]> {
  const rows = await conn
    .updateTable('executions')
    .set({ worker_id: null, lease_until: null })
    .where('worker_id', '=', workerId)
    .where('status', 'in', UNENDED_STATUSES)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

/**
 * The waiter's lock, held for the rest of the transaction. A parent deciding to wait takes it
 * exclusively; a child ending (or a cancel) takes its parent's shared: so children end in parallel,
 * and a parent's count of its unfinished children never races with one of them ending.
 */
export async function lockWaiter(
  trx: Transaction<Database>,
  id: string,
  mode: 'shared' | 'exclusive',
): Promise<void> {
  const fn = mode === 'shared' ? sql`pg_advisory_xact_lock_shared` : sql`pg_advisory_xact_lock`;
  await sql`select ${fn}(hashtextextended(${id}::text, 0))`.execute(trx);
}

/**
 * A child of `parentId` ended: counts the parent's wait down if the parent waits for that child.
 * Returns what is left and how the parent waits, or undefined when it does not wait for it.
 */
export async function countDownWaiter(
  conn: Conn,
  parentId: string,
  childId: string,
): Promise<{ remaining: number; returnWhen: string } | undefined> {
  const rows = await sql<{ remaining: number; returnWhen: string }>`
    update executions set wait_remaining = wait_remaining - 1
    where id = ${parentId} and status = 'WAITING' and wait_remaining is not null
      and wait_for->>'kind' = 'children' and (wait_for->'ids') ? ${childId}::text
    returning wait_remaining as "remaining", wait_for->>'returnWhen' as "returnWhen"`.execute(conn);
  return rows.rows[0];
}

/** Claims several executions at once (see claimExecution). */
export async function claimExecutions(
  conn: Conn,
  ids: readonly string[],
  workerId: string,
  leaseMs: number,
): Promise<Execution[]> {
  if (ids.length === 0) return [];
  return conn
    .updateTable('executions')
    .set({
      worker_id: workerId,
      lease_until: sql<Date>`now() + ${leaseMs} * interval '1 millisecond'`,
      status: 'RUNNING',
      started_at: sql<Date>`coalesce(started_at, now())`,
      attempts: sql<number>`attempts + 1`,
      wait_for: null,
      wait_remaining: null,
    })
    .where('id', '=', sql<string>`any(${sql.val(ids)}::uuid[])`)
    .where('status', 'in', ['PENDING', 'RUNNING', 'WAITING'])
    .where((eb) => eb.or([eb('worker_id', 'is', null), eb('lease_until', '<', sql<Date>`now()`)]))
    .returningAll()
    .execute();
}

export type EndFields = {
  status: 'ENDED_SUCCESS' | 'ENDED_ERROR' | 'ENDED_CANCELLED';
  output?: unknown;
  message?: string | null;
  error?: ExecutionError | null;
};

/** Ends an execution if this run still owns it (attempt) and it has not ended already. */
export async function endExecution(
  conn: Conn,
  id: string,
  attempt: number | null,
  fields: EndFields,
): Promise<Execution | undefined> {
  let query = conn
    .updateTable('executions')
    .set({
      status: fields.status,
      ...(fields.output !== undefined ? { output: JSON.stringify(fields.output) } : {}),
      ...(fields.message !== undefined ? { message: fields.message } : {}),
      error: fields.error ?? null,
      ended_at: sql<Date>`now()`,
      started_at: sql<Date>`coalesce(started_at, now())`,
      worker_id: null,
      lease_until: null,
      wait_for: null,
      wait_remaining: null,
    })
    .where('id', '=', id)
    .where('status', 'in', UNENDED_STATUSES);
  if (attempt !== null) query = query.where('attempts', '=', attempt);
  return query.returningAll().executeTakeFirst();
}

/**
 * endExecution, plus in the same statement the parent's waiter lock taken shared (when `lockParentId`
 * is given; see lockWaiter). One round trip.
 */
export async function endExecutionLocked(
  conn: Conn,
  id: string,
  attempt: number | null,
  fields: EndFields,
  options: { lockParentId: string | null },
): Promise<Execution | undefined> {
  const hasOutput = fields.output !== undefined;
  const hasMessage = fields.message !== undefined;
  const rows = await sql<Execution>`
    with waiter_lock as (
      select pg_advisory_xact_lock_shared(hashtextextended(${options.lockParentId}::text, 0)) as locked
      where ${options.lockParentId}::text is not null
      union all select null where ${options.lockParentId}::text is null
    )
    update executions e set
      status = ${fields.status},
      output = case when ${hasOutput} then ${hasOutput ? JSON.stringify(fields.output) : null}::jsonb else e.output end,
      message = case when ${hasMessage} then ${fields.message ?? null}::text else e.message end,
      error = ${fields.error ? JSON.stringify(fields.error) : null}::jsonb,
      ended_at = now(), started_at = coalesce(e.started_at, now()),
      worker_id = null, lease_until = null, wait_for = null, wait_remaining = null
    from waiter_lock
    where e.id = ${id} and e.status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED')
      and (${attempt}::int is null or e.attempts = ${attempt}::int)
    returning e.*`.execute(conn);
  return rows.rows[0];
}

/** Marks an execution WAITING and gives up its worker; false when this run no longer owns it. */
export async function suspendExecution(
  conn: Conn,
  id: string,
  attempt: number,
  condition: WaitCondition,
  remaining: number | null = null,
): Promise<boolean> {
  const result = await conn
    .updateTable('executions')
    .set({
      status: 'WAITING',
      wait_for: JSON.stringify(condition),
      wait_remaining: remaining,
      worker_id: null,
      lease_until: null,
    })
    .where('id', '=', id)
    .where('attempts', '=', attempt)
    .where('status', '=', 'RUNNING')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Clears the wait condition of a WAITING execution; true when this call is the one that woke it. */
export async function markWoken(conn: Conn, id: string): Promise<boolean> {
  const result = await conn
    .updateTable('executions')
    .set({ wait_for: null, wait_remaining: null })
    .where('id', '=', id)
    .where('status', '=', 'WAITING')
    .where('wait_for', 'is not', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function setStatus(
  conn: Conn,
  id: string,
  attempt: number,
  status: ExecutionStatus,
): Promise<void> {
  await conn
    .updateTable('executions')
    .set({ status })
    .where('id', '=', id)
    .where('attempts', '=', attempt)
    .execute();
}

/** Counts, among `ids`, how many have not ended and how many ended other than successfully. */
export async function countChildStates(
  conn: Conn,
  ids: readonly string[],
): Promise<{ unended: number; failed: number; ended: number }> {
  const row = await sql<{ unended: number; failed: number; ended: number }>`
    select
      count(*) filter (where status not like 'ENDED_%')::int as unended,
      count(*) filter (where status in ('ENDED_ERROR', 'ENDED_CANCELLED'))::int as failed,
      count(*) filter (where status like 'ENDED_%')::int as ended
    from executions where id = any(${sql.val(ids)}::uuid[])`.execute(conn);
  return row.rows[0] ?? { unended: 0, failed: 0, ended: 0 };
}

/** Cancels an execution and every unfinished execution below it; returns the rows it ended. */
export async function cancelSubtree(conn: Conn, id: string): Promise<Execution[]> {
  const rows = await sql<Execution>`
    with recursive subtree as (
      select id from executions where id = ${id}
      union all
      select e.id from executions e join subtree s on e.parent_id = s.id
    )
    update executions e
    set status = 'ENDED_CANCELLED', ended_at = now(), worker_id = null, lease_until = null, wait_for = null,
        message = coalesce(e.message, 'cancelled')
    from subtree
    where e.id = subtree.id and e.status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED')
    returning e.*`.execute(conn);
  return rows.rows;
}

/** The unfinished executions below `id` (not `id` itself). */
export async function unendedDescendantIds(conn: Conn, id: string): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    with recursive subtree as (
      select id, status from executions where parent_id = ${id}
      union all
      select e.id, e.status from executions e join subtree s on e.parent_id = s.id
    )
    select id from subtree where status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED')`.execute(conn);
  return rows.rows.map((row) => row.id);
}

export async function saveOwnFields(
  conn: Conn,
  id: string,
  attempt: number,
  fields: { output?: unknown; message?: string | null; name?: string },
): Promise<void> {
  const set: { output?: string; message?: string | null; name?: string } = {};
  if (fields.output !== undefined) set.output = JSON.stringify(fields.output);
  if (fields.message !== undefined) set.message = fields.message;
  if (fields.name !== undefined) set.name = fields.name;
  if (Object.keys(set).length === 0) return;
  await conn
    .updateTable('executions')
    .set(set)
    .where('id', '=', id)
    .where('attempts', '=', attempt)
    .execute();
}

/** Sets one key of the output object (the output becomes an object if it was not one). */
export async function setOutputKey(
  conn: Conn,
  id: string,
  attempt: number,
  key: string,
  value: unknown,
): Promise<void> {
  await sql`
    update executions
    set output = (case when jsonb_typeof(output) = 'object' then output else '{}'::jsonb end)
                 || jsonb_build_object(${key}::text, ${JSON.stringify(value ?? null)}::jsonb)
    where id = ${id} and attempts = ${attempt}`.execute(conn);
}

export type { Db };
