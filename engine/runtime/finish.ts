import type { PgBoss } from 'pg-boss';
import { engineLimits } from '../config';
import { announceAfterCommit, statusEvent } from '../events/events';
import { sendExecutionJobs } from '../queue/boss';
import type { Execution } from '../store/database';
import type { Db } from '../store/db';
import {
  cancelExecutionTree,
  endExecutions,
  type Ended,
  type EndFields,
  type EndRequest,
} from '../store/executions';
import { withDbRetry } from './db-retry';
import { endWithinLimit } from './limits';

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

/** Ends written in one statement at most (a fan-out's ends arrive faster than one end commits). */
const MAX_ENDS_PER_GROUP = 100;

type PendingEnd = {
  request: EndRequest;
  resolve: (ended: Execution | undefined) => void;
  reject: (error: unknown) => void;
};

/**
 * THE way executions end, whether they succeeded, failed, were cancelled, ran in this worker under a
 * waiting parent or anywhere else: the database's one end path (flowline_end_execution) completes the
 * parent's journal step, counts its wait down and marks it woken when that is over, and cancels what a
 * failed execution leaves unfinished; here the woken parents are queued and the ends announced.
 *
 * Group commit: an end asked for while no other is being written is written at once (no latency
 * added); ends asked for meanwhile are written together next, in one statement and one commit. A
 * fan-out's 1,000 children thus end in far fewer than 1,000 transactions and WAL flushes.
 */
export class EndGroup {
  private waiting: PendingEnd[] = [];
  private writing = false;

  constructor(private readonly engine: Engine) {}

  /**
   * Ends an execution if `attempt` still owns it and it has not ended: the ended row, or undefined. An
   * output, message or error over FLOWLINE_MAX_OUTPUT_BYTES ends it ENDED_ERROR instead (endWithinLimit),
   * whatever ended it: a return value, success(message), a connector's answer.
   */
  end(execution: Execution, attempt: number, fields: EndFields): Promise<Execution | undefined> {
    const written = endWithinLimit(fields, engineLimits().maxOutputBytes);
    return new Promise((resolve, reject) => {
      this.waiting.push({ request: { execution, attempt, fields: written }, resolve, reject });
      if (!this.writing) void this.writeWaiting();
    });
  }

  private async writeWaiting(): Promise<void> {
    this.writing = true;
    try {
      while (this.waiting.length > 0) await this.write(this.waiting.splice(0, MAX_ENDS_PER_GROUP));
    } finally {
      this.writing = false;
    }
  }

  private async write(group: PendingEnd[]): Promise<void> {
    let results: Array<Ended | undefined>;
    try {
      results = await withDbRetry(() =>
        retryOnDeadlock(() =>
          endExecutions(
            this.engine.db,
            group.map((pending) => pending.request),
          ),
        ),
      );
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      // One end the database refuses (a value jsonb cannot hold, say) must not fail the others.
      for (const pending of group) await this.write([pending]);
      return;
    }
    const ended = results.filter((result): result is Ended => result !== undefined);
    // The ends have committed: should queueing their woken parents fail, their deadlines let a sweep do it.
    await withDbRetry(() => afterEnd(this.engine, ended)).catch(() => {});
    group.forEach((pending, index) => pending.resolve(results[index]?.execution));
  }
}

/**
 * Cancels an execution and its whole subtree (every unfinished execution in it ends ENDED_CANCELLED),
 * waking its parent if that waits for it. Workers running any of them stop on the event.
 * Returns the cancelled executions (none when it had already ended).
 */
export async function cancelExecution(engine: Engine, id: string): Promise<Ended['cancelled']> {
  const ended = await retryOnDeadlock(() => cancelExecutionTree(engine.db, id));
  if (!ended) return [];
  await afterEnd(engine, [ended]);
  return [ended.execution, ...ended.cancelled];
}

/**
 * Queues the parents ends woke, and announces the ends. Should this process die before the jobs are
 * queued, a woken parent's deadline lets any worker's sweep queue it (see takeOverdue).
 */
export async function afterEnd(engine: Engine, ends: readonly Ended[]): Promise<void> {
  const woken = ends.flatMap((end) =>
    end.wokeParent && end.execution.parent_id ? [end.execution.parent_id] : [],
  );
  if (woken.length > 0) {
    await engine.db.transaction().execute((trx) => sendExecutionJobs(engine.boss, trx, woken));
  }
  const events = ends.flatMap((end) => [end.execution, ...end.cancelled].map(statusEvent));
  announceAfterCommit(engine.db, events, woken.length > 0);
}
