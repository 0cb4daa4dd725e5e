import type { PgBoss } from 'pg-boss';
import { ExecutionWatcher } from '../engine/executions/watcher';
import { startBoss } from '../engine/queue/boss';
import type { EngineHandles } from '../engine/runtime/start';
import { getDb } from './db';

const holder = globalThis as typeof globalThis & {
  flowlineWebBoss?: Promise<PgBoss>;
  flowlineWatcher?: ExecutionWatcher;
};

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: start Flowline with `npm start`');
  return url;
}

/**
 * What the web server needs to start and cancel executions: the shared pool and a send-only pg-boss
 * (no maintenance: workers do that). Created once per process and shared by every route bundle.
 */
export async function getEngine(): Promise<EngineHandles> {
  holder.flowlineWebBoss ??= startBoss(databaseUrl()).catch((error: unknown) => {
    holder.flowlineWebBoss = undefined; // let the next request try again
    throw error;
  });
  return { db: getDb(), boss: await holder.flowlineWebBoss };
}

/** One LISTEN connection for every request that waits for an execution to end. */
export function getExecutionWatcher(): ExecutionWatcher {
  holder.flowlineWatcher ??= new ExecutionWatcher(getDb(), databaseUrl());
  return holder.flowlineWatcher;
}
