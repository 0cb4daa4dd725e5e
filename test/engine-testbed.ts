import type { InsertObject } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { startBoss } from '../engine/queue/boss';
import { startExecution } from '../engine/runtime/start';
import { defineFlow, spawnWorker, waitForEnd, type WorkerProcess } from '../engine/runtime/testing';
import type { Database, Execution } from '../engine/store/database';
import type { Db } from '../engine/store/db';
import { insertExecution } from '../engine/store/executions';
import { createTestDatabase } from './database';

/** A flow that returns its input: the child most engine tests start. */
export const RETURNS_INPUT = `export default async function handler(this: any) { return this.input; }`;

/**
 * What an engine integration test file runs on: a fresh database, a pg-boss to start executions with and
 * (unless `worker: false`) one real worker process, with the given flows defined before the first test.
 * Everything is stopped after the file's last test. Call it at the top level of a test file.
 */
export async function setUpEngineTestbed(
  options: { workerEnv?: Record<string, string>; worker?: boolean; flows?: Record<string, string> } = {},
) {
  const { db, url } = await createTestDatabase();
  const boss = await startBoss(url);
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    if (options.worker !== false) worker = spawnWorker(url, options.workerEnv);
    const flows = Object.entries(options.flows ?? {}).map(([name, code]) => defineFlow(db, name, code));
    await Promise.all([worker?.ready, ...flows]);
  });
  afterAll(async () => {
    await worker?.stop();
    await boss.stop({ graceful: false });
  });
  /** Starts a flow as the system would (no user, no token). */
  const run = (flow: string, input?: unknown) =>
    startExecution({ db, boss }, { flow: { name: flow }, input, startedBy: { kind: 'system' } });
  /** Defines a flow, starts it and waits until it ended (polling the row: see waitForEnd). */
  const runToEnd = async (flow: string, code: string, input?: unknown, timeoutMs?: number) => {
    await defineFlow(db, flow, code);
    return waitForEnd(db, (await run(flow, input)).id, timeoutMs);
  };
  /** The worker process, once started (undefined with `worker: false`). */
  const workerProcess = () => worker;
  return { db, url, boss, run, runToEnd, worker: workerProcess };
}

/** Inserts an execution row directly (a root FLOW started by the system, unless `values` say otherwise). */
export function insertTestExecution(
  db: Db,
  values: Partial<InsertObject<Database, 'executions'>> & { id?: string } = {},
): Promise<Execution> {
  const id = values.id ?? crypto.randomUUID();
  return insertExecution(db, {
    type: 'FLOW',
    name: 'test',
    root_id: id,
    status: 'PENDING',
    started_by: { kind: 'system' },
    ...values,
    id,
  });
}
