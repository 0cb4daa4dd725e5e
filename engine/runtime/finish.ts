import { sql, type Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { announceAfterCommit, statusEvent } from '../events/events';
import { sendExecutionJob } from '../queue/boss';
import type { Database, Execution } from '../store/database';
import type { Db } from '../store/db';
import {
  cancelSubtree,
  countDownWaiter,
  endChildSuccess,
  endExecutionLocked,
  getExecution,
  lockWaiter,
  markWoken,
  type EndFields,
  type WaitCondition,
} from '../store/executions';

/** Whether the children's states satisfy what a waiting parent waits for. */
export function conditionMet(
  condition: WaitCondition,
  counts: { unended: number; failed: number; ended: number },
): boolean {
  if (condition.kind === 'sleep') return condition.until <= Date.now();
  switch (condition.returnWhen) {
    case 'FIRST_ENDED':
      return counts.ended > 0;
    case 'ALL_ENDED':
      return counts.unended === 0;
    case 'ALL_SUCCEEDED':
      return counts.unended === 0 || counts.failed > 0;
  }
}

/**
 * After a child ended (inside the transaction that ended it, holding the parent's waiter lock shared):
 * counts the parent's wait down and wakes the parent when what it waits for now holds. Exactly one
 * ending child wakes it, since markWoken clears the condition.
 */
async function wakeParentIfReady(
  trx: Transaction<Database>,
  boss: PgBoss,
  child: Execution,
): Promise<boolean> {
  if (!child.parent_id) return false;
  const wait = await countDownWaiter(trx, child.parent_id, child.id);
  if (!wait) return false;
  const ready =
    wait.returnWhen === 'FIRST_ENDED' ||
    (wait.returnWhen === 'ALL_SUCCEEDED' && child.status !== 'ENDED_SUCCESS') ||
    wait.remaining <= 0;
  if (!ready || !(await markWoken(trx, child.parent_id))) return false;
  await sendExecutionJob(boss, trx, child.parent_id);
  return true;
}

/** PostgreSQL's deadlock victim may simply try again: the transaction was rolled back whole. */
export async function retryOnDeadlock<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code !== '40P01' && code !== '40001') || attempt >= 5) throw error;
    }
  }
}

/**
 * Ends an execution (if `attempt` still owns it and it has not ended), cancels what it leaves
 * unfinished below it when it did not succeed, and wakes its parent if that waits for it.
 */
export async function finishExecution(
  engine: { db: Db; boss: PgBoss },
  execution: Pick<Execution, 'id' | 'parent_id'>,
  attempt: number | null,
  fields: EndFields,
): Promise<Execution | undefined> {
  const options = { lockParentId: execution.parent_id };
  if (!execution.parent_id && fields.status === 'ENDED_SUCCESS') {
    // A root that succeeded: nobody to wake, nothing to cancel; one statement.
    const ended = await endExecutionLocked(engine.db, execution.id, attempt, fields, options);
    if (ended) announceAfterCommit(engine.db, statusEvent(ended));
    return ended;
  }
  const result = await retryOnDeadlock(() =>
    engine.db.transaction().execute(async (trx) => {
      const ended = await endExecutionLocked(trx, execution.id, attempt, fields, options);
      if (!ended) return undefined;
      const events = [statusEvent(ended)];
      if (ended.status !== 'ENDED_SUCCESS')
        events.push(...(await cancelSubtree(trx, ended.id)).map(statusEvent));
      const woke = await wakeParentIfReady(trx, engine.boss, ended);
      return { ended, events, woke };
    }),
  );
  if (!result) return undefined;
  announceAfterCommit(engine.db, result.events, result.woke);
  return result.ended;
}

/**
 * The fast path for a child that succeeded and whose parent does not wait for it in this worker
 * (asynchronous children, and any child resumed from the queue): one round trip, then, only when it
 * ended the parent's wait, a second to queue the parent. Returns false if this run no longer owned it.
 */
export async function finishChildSuccess(
  engine: { db: Db; boss: PgBoss },
  execution: Pick<Execution, 'id'>,
  attempt: number | null,
  fields: { output?: unknown; message?: string | null },
): Promise<boolean> {
  const ended = await endChildSuccess(engine.db, execution.id, attempt, fields);
  if (!ended) return false;
  const parentId = ended.parentId;
  if (ended.woke && parentId) {
    // Should this worker die right here, the reaper queues the parent by its deadline (takeUnqueuedWakes).
    await engine.db.transaction().execute((trx) => sendExecutionJob(engine.boss, trx, parentId));
  }
  announceAfterCommit(
    engine.db,
    {
      id: execution.id,
      rootId: ended.rootId,
      parentId,
      status: 'ENDED_SUCCESS',
      nodeId: ended.nodeId,
      kind: 'status',
    },
    ended.woke,
  );
  return true;
}

/**
 * The fast path for a synchronous child that succeeded while its parent waits for it in the same
 * worker (the parent is RUNNING, blocked in its call, so no wake-up is needed): ends the child,
 * completes the parent's journal step with the child's final fields, in ONE statement.
 */
export async function finishInlineChild(
  db: Db,
  execution: Pick<Execution, 'id'>,
  attempt: number,
  fields: { output?: unknown; message?: string | null },
  parentStep: { executionId: string; seq: number },
): Promise<Execution | undefined> {
  const outputJson = fields.output === undefined ? null : JSON.stringify(fields.output);
  const keepMessage = fields.message === undefined;
  const rows = await sql<Execution>`
    with ended as (
      update executions set status = 'ENDED_SUCCESS', ended_at = now(), worker_id = null, lease_until = null,
        wait_for = null, wait_remaining = null, error = null,
        output = coalesce(${outputJson}::jsonb, output),
        message = case when ${keepMessage} then message else ${fields.message ?? null}::text end
      where id = ${execution.id} and attempts = ${attempt}
        and status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED')
      returning *
    ), step as (
      update execution_steps s set status = 'SUCCEEDED', ended_at = now(),
        result = jsonb_build_object('id', ended.id, 'type', ended.type, 'name', ended.name, 'status', ended.status,
          'output', coalesce(ended.output, 'null'::jsonb), 'message', ended.message, 'error', null)
      from ended
      where s.execution_id = ${parentStep.executionId} and s.seq = ${parentStep.seq} and s.status = 'STARTED'
    )
    select ended.* from ended`.execute(db);
  const ended = rows.rows[0];
  if (ended) announceAfterCommit(db, statusEvent(ended));
  return ended;
}

/**
 * Cancels an execution and its whole subtree (every unfinished execution in it ends ENDED_CANCELLED),
 * and wakes its parent if that waits for it. Workers running any of them stop on the event.
 * Returns the cancelled executions (none when it had already ended).
 */
export async function cancelExecution(engine: { db: Db; boss: PgBoss }, id: string): Promise<Execution[]> {
  const target = await getExecution(engine.db, id);
  if (!target) return [];
  const { cancelled, woke } = await retryOnDeadlock(() =>
    engine.db.transaction().execute(async (trx) => {
      if (target.parent_id) await lockWaiter(trx, target.parent_id, 'shared');
      const rows = await cancelSubtree(trx, id);
      const top = rows.find((execution) => execution.id === id);
      return { cancelled: rows, woke: top ? await wakeParentIfReady(trx, engine.boss, top) : false };
    }),
  );
  announceAfterCommit(engine.db, cancelled.map(statusEvent), woke);
  return cancelled;
}
