import type { Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { announce, statusEvent } from '../events/events';
import { sendExecutionJob } from '../queue/boss';
import type { Database, Execution } from '../store/database';
import type { Db } from '../store/db';
import {
  cancelSubtree,
  countChildStates,
  endExecution,
  getExecution,
  lockExecution,
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
 * After a child ended (inside the transaction that ended it, with the parent row locked first): wakes
 * the parent when it is WAITING and what it waits for is now true. Exactly one ending child wakes it,
 * since markWoken clears the condition.
 */
async function wakeParentIfReady(
  trx: Transaction<Database>,
  boss: PgBoss,
  parent: Execution,
): Promise<boolean> {
  if (parent.status !== 'WAITING' || !parent.wait_for) return false;
  const condition = parent.wait_for as WaitCondition;
  if (condition.kind !== 'children') return false;
  const counts = await countChildStates(trx, condition.ids);
  if (!conditionMet(condition, counts)) return false;
  if (!(await markWoken(trx, parent.id))) return false;
  await sendExecutionJob(boss, trx, parent.id);
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
 * Lock order, everywhere: parent row before child row.
 */
export async function finishExecution(
  engine: { db: Db; boss: PgBoss },
  execution: Pick<Execution, 'id' | 'parent_id'>,
  attempt: number | null,
  fields: EndFields,
): Promise<Execution | undefined> {
  return retryOnDeadlock(() =>
    engine.db.transaction().execute(async (trx) => {
      const parent = execution.parent_id ? await lockExecution(trx, execution.parent_id) : undefined;
      const ended = await endExecution(trx, execution.id, attempt, fields);
      if (!ended) return undefined;
      const events = [statusEvent(ended)];
      if (ended.status !== 'ENDED_SUCCESS') {
        const cancelled = await cancelSubtree(trx, ended.id);
        events.push(...cancelled.map(statusEvent));
      }
      const woke = parent ? await wakeParentIfReady(trx, engine.boss, parent) : false;
      await announce(trx, events, woke);
      return ended;
    }),
  );
}

/**
 * Cancels an execution and its whole subtree (every unfinished execution in it ends ENDED_CANCELLED),
 * and wakes its parent if that waits for it. Workers running any of them stop on the event.
 * Returns the cancelled executions (none when it had already ended).
 */
export async function cancelExecution(engine: { db: Db; boss: PgBoss }, id: string): Promise<Execution[]> {
  const target = await getExecution(engine.db, id);
  if (!target) return [];
  return retryOnDeadlock(() =>
    engine.db.transaction().execute(async (trx) => {
      const parent = target.parent_id ? await lockExecution(trx, target.parent_id) : undefined;
      const cancelled = await cancelSubtree(trx, id);
      const woke = parent && cancelled.length > 0 ? await wakeParentIfReady(trx, engine.boss, parent) : false;
      await announce(trx, cancelled.map(statusEvent), woke);
      return cancelled;
    }),
  );
}
