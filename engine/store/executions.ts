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
 * Inserts a synchronous child and its parent's journal step in ONE statement (the inline fast path: a
 * child that runs at once in this worker needs no queue job), fenced by the parent's run. Nothing is
 * written when the fence refuses (FL001, StaleRunError) or another run recorded that step first
 * (FL002, StepAlreadyRecordedError): the statement is aborted whole.
 */
export async function insertChildWithStep(
  conn: Conn,
  values: InsertObject<Database, 'executions'> & { id: string },
  step: { fence: Fence; seq: number; kind: string; request: unknown; requestHash: string },
): Promise<Execution> {
  return mapFenceErrors(() =>
    conn
      .with('e', (db) => db.insertInto('executions').values(values).returningAll())
      .with('s', (db) =>
        db
          .insertInto('execution_steps')
          .columns(['execution_id', 'seq', 'kind', 'request', 'request_hash', 'status', 'child_id'])
          .expression((eb) =>
            eb
              .selectFrom('e')
              .select([
                sql<string>`${step.fence.executionId}::uuid`.as('execution_id'),
                sql<number>`${step.seq}::int`.as('seq'),
                sql<string>`${step.kind}::text`.as('kind'),
                sql<unknown>`${JSON.stringify(step.request ?? null)}::jsonb`.as('request'),
                sql<string>`${step.requestHash}::text`.as('request_hash'),
                sql<'STARTED'>`'STARTED'`.as('status'),
                'e.id as child_id',
              ])
              .where(
                sql<boolean>`flowline_fence(${step.fence.executionId}::uuid, ${step.fence.attempt}::int)`,
              ),
          )
          .onConflict((oc) => oc.columns(['execution_id', 'seq']).doNothing())
          .returning('seq'),
      )
      .selectFrom('e')
      .selectAll('e')
      .where(
        sql<boolean>`flowline_require((select count(*) from s) = 1, 'FL002', 'journal step already recorded')`,
      )
      .executeTakeFirstOrThrow(),
  );
}

/** A fenced write was refused: the run that made it no longer owns its execution, and must stop. */
export class StaleRunError extends Error {
  override name = 'StaleRunError';
}

/** The journal step was recorded by another run of the execution first: this run must stop. */
export class StepAlreadyRecordedError extends Error {
  override name = 'StepAlreadyRecordedError';
}

/** Runs fenced work, turning the database's refusals (migration 0007) into their errors. */
export async function mapFenceErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'FL001') throw new StaleRunError((error as Error).message);
    if (code === 'FL002') throw new StepAlreadyRecordedError((error as Error).message);
    throw error;
  }
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
 * Whose writes count: a run presents its execution's id and the attempt its claim produced. A write
 * made under a fence lands only while that attempt still owns the execution and it is RUNNING; the
 * row is share-locked until the write commits, so a claim by another worker cannot slip in between.
 * A refusal aborts the statement (or transaction) whole: see mapFenceErrors.
 */
export type Fence = { executionId: string; attempt: number };

/** SQL that is true while the fence holds and aborts the statement otherwise (for a fenced `where`). */
export function fenceHolds(fence: Fence) {
  return sql<boolean>`flowline_fence(${fence.executionId}::uuid, ${fence.attempt}::int)`;
}

/** Checks the fence at the start of a transaction and share-locks the row until it ends. */
export async function holdFence(trx: Transaction<Database>, fence: Fence): Promise<void> {
  await sql`select ${fenceHolds(fence)}`.execute(trx);
}

/**
 * Takes executions for a worker: they must not have ended, and no other worker may hold a live lease
 * on them. Bumps `attempts`, the fencing token every later write of the run must present.
 */
export async function claimExecutions(
  conn: Conn,
  ids: readonly string[],
  workerId: string,
  leaseMs: number,
): Promise<Execution[]> {
  if (ids.length === 0) return [];
  return (
    conn
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
      // A WAITING one only once its wait is over: a stray job must not replay a parent just to wait again.
      .where(
        sql<boolean>`(status in ('PENDING', 'RUNNING') or (status = 'WAITING' and (wait_for is null
      or (wait_for->>'kind' = 'sleep' and (wait_for->>'until')::bigint <= extract(epoch from now()) * 1000))))`,
      )
      .where((eb) => eb.or([eb('worker_id', 'is', null), eb('lease_until', '<', sql<Date>`now()`)]))
      .returningAll()
      .execute()
  );
}

/**
 * The heartbeat: extends the leases of the runs this worker is actually running or about to run, and
 * only those (by id AND attempt: a stale run of an execution that moved on is not renewed). A row that
 * names this worker but that it no longer runs must expire and be taken over. A row a run is writing
 * right now (share-locked by its fence) is skipped, not waited for: its run is alive, and one long
 * write must not hold up the renewal of every other run. Returns the runs held.
 */
export async function renewLeases(
  conn: Conn,
  workerId: string,
  leaseMs: number,
  runs: ReadonlyArray<{ id: string; attempt: number }>,
): Promise<Array<{ id: string; attempt: number }>> {
  if (runs.length === 0) return [];
  const rows = await sql<{ id: string; attempts: number }>`
    with held as (
      select e.id, e.attempts from executions e
      join unnest(${sql.val(runs.map((run) => run.id))}::uuid[], ${sql.val(runs.map((run) => run.attempt))}::int[])
        as wanted(id, attempt) on e.id = wanted.id and e.attempts = wanted.attempt
      where e.worker_id = ${workerId} and e.status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED')
    ),
    free as (
      select e.id from executions e join held on e.id = held.id for no key update of e skip locked
    ),
    renewed as (
      update executions e set lease_until = now() + ${leaseMs} * interval '1 millisecond'
      from free where e.id = free.id
      returning e.id
    )
    select held.id, held.attempts from held`.execute(conn);
  return rows.rows.map((row) => ({ id: row.id, attempt: row.attempts }));
}

/** How long an execution may stay queued, or woken, before the sweep queues it again. */
export const QUEUE_DEADLINE_MS = 30_000;

/**
 * The sweep (every worker, about once a second): executions past their deadline are queued again.
 * One rule covers every way work can be lost: a claimed execution whose worker stopped renewing its
 * lease (it died, or lost the database), a queued one whose job is gone (retries exhausted during an
 * outage, deleted), a woken one nobody queued (its waker died), a sleeping one whose delayed job was
 * lost. Never one this worker runs right now (`running`). SKIP LOCKED lets several workers sweep at
 * once without taking the same rows. Each row gets a new deadline, so it is queued again only if this
 * job, too, is lost; a duplicate job is harmless, since only one claim can win.
 */
export async function takeOverdue(conn: Conn, running: readonly string[], limit = 200): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    update executions e set worker_id = null,
      lease_until = now() + ${QUEUE_DEADLINE_MS} * interval '1 millisecond'
    from (
      select id from executions
      where lease_until < now() and status in ('PENDING', 'RUNNING', 'WAITING')
        and not (id = any(${sql.val(running)}::uuid[]))
      order by lease_until
      limit ${limit}
      for update skip locked
    ) overdue
    where e.id = overdue.id
    returning e.id`.execute(conn);
  return rows.rows.map((row) => row.id);
}

/**
 * Starts a child created with `{ run: false }` through the queue (the caller sends its job in the same
 * transaction): gives it a deadline, so the sweep finds it should the job be lost. Its snapshot, or
 * undefined when it was started before.
 */
export async function queueCreated(conn: Conn, id: string): Promise<unknown> {
  const rows = await sql<{ snapshot: unknown }>`
    update executions e set lease_until = now() + ${QUEUE_DEADLINE_MS} * interval '1 millisecond'
    where e.id = ${id} and e.status = 'PENDING' and e.attempts = 0 and e.lease_until is null
    returning flowline_snapshot(e) as snapshot`.execute(conn);
  return rows.rows[0]?.snapshot;
}

/** Gives up one run's claim now (its lease expires at once; the sweep queues it again). */
export async function expireClaim(conn: Conn, id: string, attempt: number): Promise<void> {
  await conn
    .updateTable('executions')
    .set({ lease_until: sql<Date>`now() - interval '1 second'` })
    .where('id', '=', id)
    .where('attempts', '=', attempt)
    .where('status', 'in', UNENDED_STATUSES)
    .execute();
}

/** On a graceful stop: hands everything this worker holds back at once (the caller queues them). */
export async function releaseWorkerLeases(conn: Conn, workerId: string): Promise<string[]> {
  const rows = await conn
    .updateTable('executions')
    .set({
      worker_id: null,
      lease_until: sql<Date>`now() + ${QUEUE_DEADLINE_MS} * interval '1 millisecond'`,
    })
    .where('worker_id', '=', workerId)
    .where('status', 'in', UNENDED_STATUSES)
    .returning('id')
    .execute();
  return rows.map((row) => row.id);
}

export type EndFields = {
  status: 'ENDED_SUCCESS' | 'ENDED_ERROR' | 'ENDED_CANCELLED';
  output?: unknown;
  message?: string | null;
  error?: ExecutionError | null;
};

/** What an end changed of a row, and what announcing it needs. */
type EndedFields = Pick<
  Execution,
  | 'id'
  | 'parent_id'
  | 'root_id'
  | 'node_id'
  | 'status'
  | 'output'
  | 'message'
  | 'error'
  | 'started_at'
  | 'ended_at'
>;

/** What one end changed: the ended execution, what it cancelled below it, and whether it woke its parent. */
export type Ended = { execution: Execution; cancelled: EndedFields[]; wokeParent: boolean };

/** One end asked for: the execution as its run holds it, the attempt that ends it, and how. */
export type EndRequest = { execution: Execution; attempt: number; fields: EndFields };

/**
 * Ends executions if their `attempt` still owns them and they have not ended, through the one end path
 * of the database (flowline_end_execution, migration 0007): each one's parent's journal step completed,
 * its wait counted down and, when that is over, the parent marked woken; for an end other than success
 * what it leaves unfinished below it cancelled. Many ends in one statement, one commit (group commit:
 * see EndGroup). Only the columns an end changes come back (the rest is the caller's row): a fan-out of
 * 1,000 children ends 1,000 times. Returns, per request in order, what it ended, or undefined where the
 * attempt no longer owned the execution.
 */
export async function endExecutions(
  conn: Conn,
  requests: readonly EndRequest[],
): Promise<Array<Ended | undefined>> {
  if (requests.length === 0) return [];
  // Ends take their parents' locks in parent order, so two batches cannot deadlock on two parents.
  const order = requests.map((_, index) => index);
  order.sort((a, b) => compareIds(requests[a]!.execution.parent_id, requests[b]!.execution.parent_id));
  const column = <T>(pick: (request: EndRequest) => T): T[] => order.map((index) => pick(requests[index]!));
  const rows = await sql<EndedFields & { woke: boolean; position: string }>`
    select a.position, (r.execution).id, (r.execution).parent_id, (r.execution).root_id,
      (r.execution).node_id, (r.execution).status, (r.execution).output, (r.execution).message,
      (r.execution).error, (r.execution).started_at, (r.execution).ended_at, r.woke
    from unnest(${sql.val(column((r) => r.execution.id))}::uuid[],
        ${sql.val(column((r) => r.execution.parent_id))}::uuid[],
        ${sql.val(column((r) => r.attempt))}::int[],
        ${sql.val(column((r) => r.fields.status))}::text[],
        ${sql.val(column((r) => r.fields.output !== undefined))}::boolean[],
        ${sql.val(column((r) => (r.fields.output !== undefined ? JSON.stringify(r.fields.output) : null)))}::jsonb[],
        ${sql.val(column((r) => r.fields.message !== undefined))}::boolean[],
        ${sql.val(column((r) => r.fields.message ?? null))}::text[],
        ${sql.val(column((r) => (r.fields.error ? JSON.stringify(r.fields.error) : null)))}::jsonb[])
      with ordinality as a(id, parent, attempt, status, set_output, output, set_message, message, error, position)
    cross join lateral flowline_end_execution(a.id, a.parent, a.attempt, a.status, a.set_output, a.output,
      a.set_message, a.message, a.error) r`.execute(conn);
  const ended: Array<Ended | undefined> = requests.map(() => undefined);
  const cancelled = new Map<number, EndedFields[]>();
  for (const { position, woke, ...changed } of rows.rows) {
    const index = order[Number(position) - 1]!;
    const request = requests[index]!;
    if (changed.id !== request.execution.id) {
      cancelled.set(index, [...(cancelled.get(index) ?? []), changed]);
      continue;
    }
    const execution: Execution = {
      ...request.execution,
      ...changed,
      worker_id: null,
      lease_until: null,
      wait_for: null,
      wait_remaining: null,
    };
    ended[index] = { execution, wokeParent: woke, cancelled: [] };
  }
  for (const [index, below] of cancelled) {
    const end = ended[index];
    if (end) end.cancelled = below;
  }
  return ended;
}

function compareIds(a: string | null, b: string | null): number {
  const left = a ?? '';
  const right = b ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Cancels an execution and every unfinished execution below it, waking its parent if that waits for it. */
export async function cancelExecutionTree(conn: Conn, id: string): Promise<Ended | undefined> {
  const rows = await sql<Execution & { woke: boolean }>`
    select (r.execution).*, r.woke from flowline_cancel_execution(${id}::uuid) r`.execute(conn);
  return endedFrom(rows.rows);
}

function endedFrom(rows: Array<Execution & { woke: boolean }>): Ended | undefined {
  // A cancel is rare: the whole rows come back.
  const [first, ...rest] = rows.map(({ woke, ...execution }) => ({
    woke,
    execution: execution as Execution,
  }));
  if (!first) return undefined;
  return { execution: first.execution, wokeParent: first.woke, cancelled: rest.map((row) => row.execution) };
}

/**
 * A run decides to wait (flowline_suspend, migration 0007): 'met' when what it waits for already holds
 * (carry on), 'suspended' (WAITING, worker given up), or 'lost' (this attempt no longer owns it).
 * `deadline`: when the sweep should queue it if nothing else did (a sleep's end, plus a margin).
 */
export async function suspendExecution(
  conn: Conn,
  fence: Fence,
  condition: WaitCondition,
  deadline: Date | null,
): Promise<'met' | 'suspended' | 'lost'> {
  const rows = await sql<{ outcome: 'met' | 'suspended' | 'lost' }>`
    select flowline_suspend(${fence.executionId}::uuid, ${fence.attempt}::int,
      ${JSON.stringify(condition)}::jsonb, ${deadline}::timestamptz) as outcome`.execute(conn);
  return rows.rows[0]?.outcome ?? 'lost';
}

/** The executions among `ids` as a parent sees them (see ChildOutcome). */
export async function getChildOutcomes(conn: Conn, ids: readonly string[]): Promise<ChildOutcome[]> {
  if (ids.length === 0) return [];
  const rows = await sql<{
    id: string;
    parent_id: string | null;
    status: ExecutionStatus;
    ended_at: Date | null;
    snapshot: unknown;
    dependency_error: unknown;
  }>`
    select e.id, e.parent_id, e.status, e.ended_at, flowline_snapshot(e) as snapshot,
      case when e.status in ('ENDED_ERROR', 'ENDED_CANCELLED') then flowline_dependency_error(e) end as dependency_error
    from executions e where e.id = any(${sql.val(ids)}::uuid[])`.execute(conn);
  return rows.rows.map((row) => ({
    id: row.id,
    parentId: row.parent_id,
    status: row.status,
    endedAt: row.ended_at,
    snapshot: row.snapshot,
    dependencyError: row.dependency_error,
  }));
}

export type ChildOutcome = {
  id: string;
  parentId: string | null;
  status: ExecutionStatus;
  endedAt: Date | null;
  /** What the parent's code sees of it (flowline_snapshot). */
  snapshot: unknown;
  /** For a child that failed or was cancelled: the DependencyFailedError a parent depending on it gets. */
  dependencyError: unknown;
};

/** Saves output, message or name of a running execution; false when the fence refused it. */
export async function saveOwnFields(
  conn: Conn,
  fence: Fence,
  fields: { output?: unknown; message?: string | null; name?: string },
): Promise<boolean> {
  const set: { output?: string; message?: string | null; name?: string } = {};
  if (fields.output !== undefined) set.output = JSON.stringify(fields.output);
  if (fields.message !== undefined) set.message = fields.message;
  if (fields.name !== undefined) set.name = fields.name;
  if (Object.keys(set).length === 0) return true;
  const result = await conn
    .updateTable('executions')
    .set(set)
    .where('id', '=', fence.executionId)
    .where('attempts', '=', fence.attempt)
    .where('status', '=', 'RUNNING')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** A webhook call's HTTP answer, set by the flow (this.respond), fenced like saveOwnFields. */
export async function saveResponse(conn: Conn, fence: Fence, response: unknown): Promise<boolean> {
  const result = await conn
    .updateTable('executions')
    .set({ response: JSON.stringify(response) })
    .where('id', '=', fence.executionId)
    .where('attempts', '=', fence.attempt)
    .where('status', '=', 'RUNNING')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Sets one key of the output object (the output becomes an object if it was not one), if the output
 * that makes is at most `maxBytes` of JSON text (as PostgreSQL prints it). Returns the size of that
 * output, whether written or not; undefined: refused (the attempt no longer owns the execution).
 */
export async function setOutputKey(
  conn: Conn,
  fence: Fence,
  key: string,
  value: unknown,
  maxBytes: number,
): Promise<number | undefined> {
  // FOR UPDATE: a concurrent setOutput of the same run waits, then merges into what this one wrote.
  const result = await sql<{ bytes: number }>`
    with merged as (
      select (case when jsonb_typeof(output) = 'object' then output else '{}'::jsonb end)
               || jsonb_build_object(${key}::text, ${JSON.stringify(value ?? null)}::jsonb) as output
      from executions
      where id = ${fence.executionId} and attempts = ${fence.attempt} and status = 'RUNNING'
      for update
    ), sized as (
      select output, octet_length(output::text) as bytes from merged
    ), written as (
      update executions e set output = sized.output from sized
      where e.id = ${fence.executionId} and sized.bytes <= ${maxBytes}
      returning 1
    )
    select bytes from sized`.execute(conn);
  return result.rows[0]?.bytes;
}

export type { Db };
