import { PgBoss, fromKysely } from 'pg-boss';
import type { Transaction } from 'kysely';
import type { Database } from '../store/database';
import { prepareHotStatements } from './prepared';

/** The one queue executions travel on: a job says "run (or resume) this execution". */
export const EXECUTION_QUEUE = 'flowline-executions';
/** Installed by migrations/0002_executions.ts. */
export const BOSS_SCHEMA = 'pgboss';

export type ExecutionJob = { executionId: string };

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
  return boss;
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
