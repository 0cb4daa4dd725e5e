import { PgBoss, fromKysely } from 'pg-boss';
import type { Transaction } from 'kysely';
import type { Database } from '../store/database';
import { prepareHotStatements } from './prepared';

/** The one queue executions travel on: a job says "run (or resume) this execution". */
export const EXECUTION_QUEUE = 'flowline-executions';
/** Installed by migrations/0002_executions.ts. */
export const BOSS_SCHEMA = 'pgboss';

export type ExecutionJob = { executionId: string };

/** Schedule ticks: a delayed job per schedule, due at its next fire time (engine/schedules/clock.ts). */
export const TICK_QUEUE = 'flowline-schedule-ticks';

export type TickJob = { scheduleId: string; generation: number; fireAt: string };

/**
 * A started pg-boss instance for sending and fetching execution jobs. Maintenance (expiry, archiving)
 * runs only where `maintain` is set (workers); a process that only starts executions (the web server)
 * needs none. pg-boss's own LISTEN is not used: workers listen on flowline_wake (engine/events).
 */
export async function startBoss(databaseUrl: string, options: { maintain?: boolean } = {}): Promise<PgBoss> {
  prepareHotStatements(BOSS_SCHEMA);
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: BOSS_SCHEMA,
    max: 4,
    migrate: false,
    createSchema: false,
    supervise: options.maintain ?? false,
    schedule: false,
    // A worker's own pg-boss statements (fetching and completing jobs, maintenance) only move wake-up
    // calls along: the execution rows are the truth, written on the engine's own pool with durable
    // commits, and each of those flushes the WAL written before it. So these need not wait for a WAL
    // flush of their own (about 1 ms per commit on this VM). Sends stay on the caller's transaction.
    ...(options.maintain ? { options: '-c synchronous_commit=off' } : {}),
  });
  // pg-boss reports connection trouble (e.g. a PostgreSQL restart) as events; our own loops retry.
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue(EXECUTION_QUEUE, {
    // A job is only a wake-up call: the worker completes it as soon as it has claimed the execution, and
    // the execution's own lease (not the job) protects it from then on. See docs/engine.md.
    retryLimit: 3,
    retryDelay: 1,
    expireInSeconds: 60,
    deleteAfterSeconds: 3600,
  });
  await boss.createQueue(TICK_QUEUE, {
    // Like an execution job, a tick job is a wake-up call: the schedule row says which tick is due, and
    // the tick record makes a redelivered job harmless.
    retryLimit: 5,
    retryDelay: 1,
    expireInSeconds: 60,
    deleteAfterSeconds: 3600,
  });
  return boss;
}

/** Queues the tick job of a schedule, due at its fire time, inside the caller's transaction. */
export async function sendTickJob(boss: PgBoss, trx: Transaction<Database>, job: TickJob): Promise<void> {
  await boss.send(TICK_QUEUE, job, { db: fromKysely(trx), startAfter: new Date(job.fireAt) });
}

/** Queues a run of the execution inside the caller's transaction (a rollback discards it). */
export async function sendExecutionJob(
  boss: PgBoss,
  trx: Transaction<Database>,
  executionId: string,
  startAfter?: Date,
): Promise<void> {
  const data: ExecutionJob = { executionId };
  await boss.send(EXECUTION_QUEUE, data, { db: fromKysely(trx), ...(startAfter ? { startAfter } : {}) });
}

export async function sendExecutionJobs(
  boss: PgBoss,
  trx: Transaction<Database>,
  executionIds: string[],
): Promise<void> {
  if (executionIds.length === 0) return;
  await boss.insert(
    EXECUTION_QUEUE,
    executionIds.map((executionId) => ({ data: { executionId } })),
    { db: fromKysely(trx) },
  );
}
