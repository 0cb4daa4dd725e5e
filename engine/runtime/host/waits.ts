import type { CallPayload } from '../../api/calls';
import { announceAfterCommit, statusEvent } from '../../events/events';
import { sendExecutionJob } from '../../queue/boss';
import type { Db } from '../../store/db';
import type { ExecutionStep } from '../../store/database';
import {
  getChildOutcomes,
  QUEUE_DEADLINE_MS,
  suspendExecution,
  type WaitCondition,
} from '../../store/executions';
import { completeStep, recordStep } from '../../store/steps';
import type { PgBoss } from 'pg-boss';
import type { Run } from '../run';
import { fail, halt, ok, type Answer } from './answers';
import type { WireError } from '../../api/protocol';

/** Sleeps up to this long keep their worker (cheaper than suspending and replaying). */
export const INLINE_SLEEP_MS = 1000;

type WaitServices = { db: Db; boss: PgBoss; scheduleWake(at: number): void };

/**
 * Waiting: a run that must wait for its children or the clock gives up its worker (`suspend`) and is
 * replayed when the wait is over; one that waits less than a second keeps it.
 */
export class Waits {
  constructor(
    private readonly run: Run,
    private readonly services: WaitServices,
    /** Writes what the run still holds back (log lines): a WAITING execution's fence refuses them. */
    private readonly beforeSuspend: () => Promise<void>,
  ) {}

  /**
   * Gives up the worker until the condition holds, and stops the handler. Returns only when the
   * condition already holds (children that ended meanwhile): then carry on. The decision, and the
   * wake rule it shares with every ending child, is the database's (flowline_suspend, migration 0007).
   */
  async suspendUnlessMet(condition: WaitCondition): Promise<void> {
    const { db, boss } = this.services;
    await this.beforeSuspend();
    const outcome =
      condition.kind === 'sleep'
        ? await db.transaction().execute(async (trx) => {
            const deadline = new Date(condition.until + QUEUE_DEADLINE_MS);
            const result = await suspendExecution(trx, this.run.fence, condition, deadline);
            if (result === 'suspended') {
              await sendExecutionJob(boss, trx, this.run.execution.id, new Date(condition.until));
            }
            return result;
          })
        : await suspendExecution(db, this.run.fence, condition, null);
    if (outcome === 'met') return;
    if (outcome === 'lost') {
      this.run.lost = true;
      halt();
    }
    announceAfterCommit(db, statusEvent({ ...this.run.execution, status: 'WAITING' }));
    this.run.suspended = true;
    if (condition.kind === 'sleep') this.services.scheduleWake(condition.until);
    halt();
  }

  /** `waitFor` and `handle.wait()`: once the wait is over, the children as they are (or the first failure). */
  async forChildren(
    ids: string[],
    returnWhen: 'ALL_SUCCEEDED' | 'ALL_ENDED' | 'FIRST_ENDED',
    single: boolean,
  ): Promise<Answer> {
    await this.suspendUnlessMet({ kind: 'children', ids, returnWhen });
    const outcomes = await getChildOutcomes(this.services.db, ids);
    const byId = new Map(outcomes.map((outcome) => [outcome.id, outcome]));
    const ordered = ids.map((id) => byId.get(id)).filter((outcome) => outcome !== undefined);
    const failed = ordered.find((outcome) => outcome.dependencyError);
    if (failed && returnWhen === 'ALL_SUCCEEDED') return fail(failed.dependencyError as WireError);
    const snapshots = ordered.map((outcome) => outcome.snapshot);
    return ok(single ? snapshots[0] : snapshots);
  }

  /**
   * `this.sleep()` and `sleepUntil()`: journaled, so a replay passes a finished sleep at once and the
   * clock reads its end. A long one is recorded STARTED with its end time and gives up the worker.
   */
  sleepEffect(seq: number, request: CallPayload<'sleep'>) {
    return {
      recordsItself: true,
      run: async (hash: string): Promise<Answer> => {
        const until = 'until' in request ? request.until : Date.now() + request.seconds * 1000;
        if (until - Date.now() > INLINE_SLEEP_MS) {
          await recordStep(this.services.db, this.run.fence, {
            seq,
            kind: 'sleep',
            request: { ...request, until },
            requestHash: hash,
            status: 'STARTED',
          });
          return this.sleepUntil(seq, until);
        }
        await pause(until - Date.now());
        const at = await recordStep(this.services.db, this.run.fence, {
          seq,
          kind: 'sleep',
          request: { ...request, until },
          requestHash: hash,
          status: 'SUCCEEDED',
          result: null,
        });
        return ok(null, at);
      },
      resume: (recorded: ExecutionStep) =>
        this.sleepUntil(seq, (recorded.request as { until: number }).until),
    };
  }

  private async sleepUntil(seq: number, until: number): Promise<Answer> {
    if (until - Date.now() > INLINE_SLEEP_MS) await this.suspendUnlessMet({ kind: 'sleep', until });
    await pause(until - Date.now());
    const at = await completeStep(this.services.db, this.run.fence, seq, 'SUCCEEDED', null);
    return ok(null, at);
  }
}

function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
