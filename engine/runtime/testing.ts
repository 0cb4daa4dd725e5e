/**
 * Test helpers for the engine's integration tests: real worker processes (`tsx scripts/worker.ts`),
 * flows saved through the real store, and a poll on the database until an execution ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../store/db';
import type { Execution } from '../store/database';
import { getExecution, getExecutionTree, isEnded } from '../store/executions';
import { createFlow } from '../store/flows';
import { saveCodeFlow } from '../flows/save';
import { withDbRetry } from './db-retry';

const root = path.resolve(import.meta.dirname, '..', '..');

export const TEST_SECRET_KEY = crypto.createHash('sha256').update('flowline engine tests').digest('hex');

export type WorkerProcess = {
  child: ChildProcess;
  output(): string;
  /** Resolves when the worker printed "ready". */
  ready: Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash) and wait for the exit. */
  kill(): Promise<void>;
};

export function spawnWorker(databaseUrl: string, env: Record<string, string> = {}): WorkerProcess {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowline-worker-'));
  // node --import tsx, not the tsx CLI: the CLI runs the script in a child process that a SIGKILL of
  // the CLI would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/worker.ts')], {
    cwd: root,
    env: {
      NODE_ENV: 'production',
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: databaseUrl,
      FLOWLINE_DATA_DIR: dataDir,
      FLOWLINE_SECRET_KEY: TEST_SECRET_KEY,
      WORKER_CONCURRENCY: '4',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      resolve(code);
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('[worker] ready')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`worker exited (${code}) before it was ready:\n${output}`)));
  });
  ready.catch(() => {});
  return {
    child,
    output: () => output,
    ready,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Creates a code flow and saves its source as a compiled version. */
export async function defineFlow(db: Db, name: string, code: string): Promise<void> {
  const flow = await createFlow(db, { name, kind: 'code', code, userId: null });
  await saveCodeFlow(db, { flowId: flow.id, flowName: name, code, userId: null });
}

/** Polls until the execution has ended (tests only: the engine itself never polls for this). */
export async function waitForEnd(db: Db, id: string, timeoutMs = 60_000): Promise<Execution> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await withDbRetry(() => getExecution(db, id));
    if (execution && isEnded(execution.status)) return execution;
    if (Date.now() > deadline) {
      throw new Error(
        `execution ${id} did not end in ${timeoutMs} ms (status ${execution?.status ?? 'missing'})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function waitUntil<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function treeOf(db: Db, rootId: string): Promise<Execution[]> {
  return getExecutionTree(db, rootId);
}

export type { PgBoss };
