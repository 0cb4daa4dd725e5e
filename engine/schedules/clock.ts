import { sql, type Transaction } from 'kysely';
import type { JobResult } from 'pg-boss';
import type { Database } from '../store/database';
import { sendTickJob, TICK_QUEUE, type TickJob } from '../queue/boss';
import { announceTriggeredFlow, writeTriggeredFlow, type EngineHandles } from '../runtime/start';
import type { Execution } from '../store/database';
import { findRunnableFlow } from '../store/flow-versions';
import {
  lockArmableSchedules,
  lockSchedule,
  pruneTicks,
  recordTick,
  runningTick,
  setArmed,
  setNextFireAt,
  setTickOutcome,
  type ArmableSchedule,
  type ScheduleWithFlow,
} from '../store/schedules';
import { lastFireTimeAtOrBefore, nextFireTime } from './cron';

export type ScheduleClockOptions = {
  /**
   * A tick handled later than this after its time was missed (nothing ran then): it is not run late
   * unless the schedule catches up (`catch_up: last`). Like Quartz's misfire threshold. Default 15 s.
   */
  misfireMs?: number;
  /**
   * How often to look for lost tick jobs (a schedule whose tick is `reconcileMs` overdue gets its job
   * again: a clock died holding it). Default 5 s, so a lost tick is found well within the misfire threshold.
   */
  reconcileMs?: number;
  /** How often pg-boss looks for due tick jobs (at least 0.5 s, pg-boss's floor). Default 0.5 s. */
  pollSeconds?: number;
  log?: (line: string) => void;
};

const DEFAULTS = { misfireMs: 15_000, reconcileMs: 5000, pollSeconds: 0.5 };
/**
 * Tick jobs fetched at once, handled concurrently (each locks its own schedule row): many schedules due
 * at the same second (every `0 9 * * *` of an installation) must not queue past the misfire threshold.
 */
const TICK_BATCH = 32;
/** How often old tick records are pruned. */
const PRUNE_MS = 10 * 60_000;

/** The flow input of a tick (docs/triggers.md). */
export type TickInput = {
  scheduled_at: string;
  schedule: { id: string; node: string; cron: string; timezone: string };
};

/**
 * Fires schedule ticks (docs/triggers.md). Every worker process runs one; together they fire each tick of
 * each enabled schedule exactly once.
 *
 * Timing is pg-boss's delayed jobs: a schedule's next tick is one job with `startAfter` = its fire time,
 * and handling a tick sends the job of the tick after it, in the same transaction. pg-boss's own cron
 * scheduler is not used: it fires at most once a minute per schedule (a 60 s throttle slot) and does not
 * deliver exactly once. Delivery here is at least once (a job is retried, a lost chain re-armed); what
 * makes a tick happen once is the schedule row, locked while a tick is handled and naming the one fire
 * time whose job may act, and the tick record whose primary key is (schedule, fire time).
 */
export class ScheduleClock {
  private readonly options: Required<Omit<ScheduleClockOptions, 'log'>>;
  private readonly log: (line: string) => void;
  private workId: string | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private arming: Promise<void> | undefined;
  private armAgain = false;
  private stopped = false;

  private constructor(
    private readonly engine: EngineHandles,
    options: ScheduleClockOptions,
  ) {
    this.options = {
      misfireMs: options.misfireMs ?? DEFAULTS.misfireMs,
      reconcileMs: options.reconcileMs ?? DEFAULTS.reconcileMs,
      pollSeconds: options.pollSeconds ?? DEFAULTS.pollSeconds,
    };
    this.log = options.log ?? (() => {});
  }

  static async start(engine: EngineHandles, options: ScheduleClockOptions = {}): Promise<ScheduleClock> {
    const clock = new ScheduleClock(engine, options);
    clock.workId = await engine.boss.work<TickJob>(
      TICK_QUEUE,
      { pollingIntervalSeconds: clock.options.pollSeconds, batchSize: TICK_BATCH, perJobResults: true },
      (jobs) => clock.handleBatch(jobs),
    );
    clock.reconcileTimer = setInterval(() => clock.arm(), clock.options.reconcileMs);
    clock.reconcileTimer.unref();
    clock.pruneTimer = setInterval(() => void pruneTicks(engine.db).catch(() => {}), PRUNE_MS);
    clock.pruneTimer.unref();
    clock.arm();
    return clock;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.reconcileTimer);
    clearInterval(this.pruneTimer);
    if (this.workId) await this.engine.boss.offWork(TICK_QUEUE, { id: this.workId }).catch(() => {});
    await this.arming;
  }

  /**
   * Arms what changed (a save's notification, a start, a reconnect, and every `reconcileMs`); calls while
   * one runs coalesce.
   */
  arm(): void {
    if (this.stopped) return;
    if (this.arming) {
      this.armAgain = true;
      return;
    }
    this.arming = this.armPass()
      .catch((error: unknown) => this.log(`arming schedules failed: ${(error as Error).message}`))
      .finally(() => {
        this.arming = undefined;
        if (this.armAgain) {
          this.armAgain = false;
          this.arm();
        }
      });
  }

  /** A batch of tick jobs, each settled on its own: one failing tick does not hold back the others. */
  private async handleBatch(jobs: ReadonlyArray<{ id: string; data: TickJob }>): Promise<JobResult[]> {
    return Promise.all(
      jobs.map(async (job): Promise<JobResult> => {
        try {
          await this.handleTick(job.data);
          return { id: job.id, status: 'completed' };
        } catch (error) {
          this.log(
            `schedule tick ${job.data.scheduleId} at ${job.data.fireAt} failed: ${(error as Error).message}`,
          );
          return { id: job.id, status: 'failed', output: { message: (error as Error).message } };
        }
      }),
    );
  }

  /**
   * Sends the first tick job of each schedule armed for a new generation (its next time after now), and
   * again the job of a tick long overdue (its job was lost): the handler drops all but one of them.
   */
  private async armPass(): Promise<void> {
    const { db, boss } = this.engine;
    await db.transaction().execute(async (trx) => {
      const now = await databaseNow(trx);
      for (const schedule of await lockArmableSchedules(trx, this.options.reconcileMs)) {
        const resend = schedule.armed_generation === schedule.generation && schedule.next_fire_at !== null;
        const fireAt = resend ? schedule.next_fire_at : this.firstFireTime(schedule, now);
        await setArmed(trx, schedule.id, schedule.generation, fireAt);
        if (fireAt) await sendTickJob(boss, trx, tickJob(schedule.id, schedule.generation, fireAt));
      }
    });
  }

  /**
   * A schedule's first tick after `now`; null (it stays unarmed until it changes) when its expression
   * cannot be evaluated: a row the save-time validation never saw (one a migration copied from an older
   * version) must not stop the pass for every other schedule.
   */
  private firstFireTime(schedule: ArmableSchedule, now: Date): Date | null {
    try {
      return nextFireTime(schedule.cron, schedule.timezone, now);
    } catch (error) {
      this.log(
        `schedule ${schedule.id} ('${schedule.cron}', ${schedule.timezone}) cannot run: ${(error as Error).message}`,
      );
      return null;
    }
  }

  /**
   * Handles one tick job: drops it unless it is for the schedule's current generation and next fire time
   * (a stale, duplicate or superseded job), then fires the tick, or records it missed when it comes too
   * late, and sends the job of the next tick. One transaction, with the schedule row locked.
   */
  async handleTick(job: TickJob): Promise<void> {
    const { db, boss } = this.engine;
    const fireAt = new Date(job.fireAt);
    const started = await db.transaction().execute(async (trx) => {
      const schedule = await lockSchedule(trx, job.scheduleId);
      if (
        !schedule?.enabled ||
        schedule.generation !== job.generation ||
        schedule.next_fire_at?.getTime() !== fireAt.getTime()
      )
        return undefined;
      // The database's clock, as pg-boss's startAfter uses: a process whose own clock is off by seconds
      // neither calls every tick missed nor fires one early.
      const now = await databaseNow(trx);
      let run: { parent: Execution; flow: Execution } | undefined;
      let next: Date | null;
      if (now.getTime() - fireAt.getTime() <= this.options.misfireMs) {
        run = await this.fire(trx, schedule, fireAt);
        next = nextFireTime(schedule.cron, schedule.timezone, fireAt);
      } else {
        const last = lastFireTimeAtOrBefore(schedule.cron, schedule.timezone, now) ?? fireAt;
        const catchUp = schedule.catch_up === 'last';
        if (!(catchUp && last.getTime() === fireAt.getTime())) {
          await recordTick(trx, {
            scheduleId: schedule.id,
            fireAt,
            outcome: 'missed',
            reason: missedReason(fireAt, last, now, catchUp),
          });
        }
        if (catchUp) run = await this.fire(trx, schedule, last);
        next = nextFireTime(schedule.cron, schedule.timezone, now);
      }
      await setNextFireAt(trx, schedule.id, next);
      if (next) await sendTickJob(boss, trx, tickJob(schedule.id, schedule.generation, next));
      return run;
    });
    if (started) announceTriggeredFlow(db, started, true);
  }

  /** The tick at `at`: its record, and its run, or a skip when the last run is still going. */
  private async fire(
    trx: Transaction<Database>,
    schedule: ScheduleWithFlow,
    at: Date,
  ): Promise<{ parent: Execution; flow: Execution } | undefined> {
    const running = schedule.overlap === 'skip' ? await runningTick(trx, schedule.id) : undefined;
    if (!(await recordTick(trx, { scheduleId: schedule.id, fireAt: at, outcome: 'started' })))
      return undefined;
    if (running) {
      await setTickOutcome(trx, {
        scheduleId: schedule.id,
        fireAt: at,
        outcome: 'skipped',
        reason: `the run of the tick at ${running.fire_at.toISOString()} (execution ${running.flow_execution_id}) was still going`,
      });
      return undefined;
    }
    const flow = await findRunnableFlow(trx, { id: schedule.flow_id });
    if (!flow) throw new Error(`schedule ${schedule.id}: its flow is gone`);
    const input: TickInput = {
      scheduled_at: at.toISOString(),
      schedule: { id: schedule.id, node: schedule.node_id, cron: schedule.cron, timezone: schedule.timezone },
    };
    const written = await writeTriggeredFlow(trx, this.engine.boss, {
      kind: 'schedule',
      triggerId: schedule.id,
      name: `${schedule.flow_name}:${schedule.node_id}`,
      flow,
      nodeId: schedule.node_id,
      input,
      isProductive: true,
    });
    await setTickOutcome(trx, {
      scheduleId: schedule.id,
      fireAt: at,
      outcome: 'started',
      executionId: written.parent.id,
      flowExecutionId: written.flow.id,
    });
    return written;
  }
}

async function databaseNow(trx: Transaction<Database>): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(trx);
  return (rows[0] as { now: Date }).now;
}

function tickJob(scheduleId: string, generation: number, fireAt: Date): TickJob {
  return { scheduleId, generation, fireAt: fireAt.toISOString() };
}

function missedReason(fireAt: Date, last: Date, now: Date, catchUp: boolean): string {
  const late = Math.round((now.getTime() - fireAt.getTime()) / 1000);
  const span =
    last.getTime() === fireAt.getTime()
      ? `the tick at ${fireAt.toISOString()}`
      : `the ticks from ${fireAt.toISOString()} to ${last.toISOString()}`;
  return `missed: nothing ran ${span} in time (handled ${late} s late)${catchUp ? '; the last one ran late (catch_up: last)' : ''}`;
}
