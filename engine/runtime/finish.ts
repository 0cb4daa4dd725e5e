import type { PgBoss } from 'pg-boss';
import { announceAfterCommit, statusEvent } from '../events/events';
import { sendExecutionJobs } from '../queue/boss';
import type { Execution } from '../store/database';
import type { Db } from '../store/db';
import { cancelExecutionTree, endExecution, type Ended, type EndFields } from '../store/executions';

type Engine = { db: Db; boss: PgBoss };

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
 * Ends an execution if `attempt` still owns it and it has not ended: THE way
 * executions end, whether they succeeded, failed, were cancelled, ran in this worker under a waiting
 * parent or anywhere else. The database's one end path (flowline_end_execution) completes the
 * parent's journal step, counts its wait down and marks it woken when that is over, and cancels what
 * a failed execution leaves unfinished; here the woken parent is queued and the ends announced.
 * Returns the ended row, or undefined when this run no longer owned it.
 */
export async function finishExecution(
  engine: Engine,
  execution: Execution,
  attempt: number,
  fields: EndFields,
): Promise<Execution | undefined> {
  const ended = await retryOnDeadlock(() => endExecution(engine.db, execution, attempt, fields));
  if (!ended) return undefined;
  await afterEnd(engine, ended);
  return ended.execution;
}

/**
 * Cancels an execution and its whole subtree (every unfinished execution in it ends ENDED_CANCELLED),
 * waking its parent if that waits for it. Workers running any of them stop on the event.
 * Returns the cancelled executions (none when it had already ended).
 */
export async function cancelExecution(engine: Engine, id: string): Promise<Ended['cancelled']> {
  const ended = await retryOnDeadlock(() => cancelExecutionTree(engine.db, id));
  if (!ended) return [];
  await afterEnd(engine, ended);
  return [ended.execution, ...ended.cancelled];
}

/**
 * Queues the parent an end woke, and announces the ends. Should this process die before the job is
 * queued, the woken parent's deadline lets any worker's sweep queue it (see takeOverdue).
 */
export async function afterEnd(engine: Engine, ended: Ended): Promise<void> {
  const parentId = ended.wokeParent ? ended.execution.parent_id : null;
  if (parentId) {
    await engine.db.transaction().execute((trx) => sendExecutionJobs(engine.boss, trx, [parentId]));
  }
  announceAfterCommit(engine.db, [ended.execution, ...ended.cancelled].map(statusEvent), parentId !== null);
}
