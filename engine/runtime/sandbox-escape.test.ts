import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { startBoss } from '../queue/boss';
import { startExecution } from './start';
import { defineFlow, spawnWorker, waitForEnd, type WorkerProcess } from './testing';

const { db, url } = await createTestDatabase();
const boss = await startBoss(url);
const CANARY = 'canary-4f1d7c0e9b';
let worker: WorkerProcess;

beforeAll(async () => {
  worker = spawnWorker(url, { FLOWLINE_CANARY: CANARY, WORKER_CONCURRENCY: '2' });
  await Promise.all([
    worker.ready,
    defineFlow(db, 'alive', `export default async function handler(this: any) { return 'still here'; }`),
  ]);
});

afterAll(async () => {
  await worker?.stop();
  await boss.stop({ graceful: false });
});

/** Runs `body` as a flow's handler and returns the ended execution. */
async function attempt(name: string, body: string, timeoutSeconds?: number) {
  await defineFlow(db, name, `export default async function handler(this: any) {\n${body}\n}`);
  if (timeoutSeconds)
    await sql`update flows set timeout_seconds = ${timeoutSeconds} where name = ${name}`.execute(db);
  const started = await startExecution({ db, boss }, { flow: { name }, startedBy: { kind: 'system' } });
  return waitForEnd(db, started.id);
}

const escape = 'console.log.constructor("return process")()';

describe('user code at the execution level', () => {
  it.each([
    ['env', 'return process.env.FLOWLINE_CANARY;', /process is not defined/],
    [
      'env-escape',
      `const env = ${escape}.env; if (!env.FLOWLINE_CANARY) throw new Error('no env: ' + JSON.stringify(env)); return env;`,
      /no env: \{\}/,
    ],
    [
      'environ',
      `const fs = await import('node:fs'); return fs.readFileSync('/proc/self/environ', 'utf8');`,
      /dynamic import/,
    ],
    [
      'environ-require',
      `return require('fs').readFileSync('/proc/self/environ', 'utf8');`,
      /cannot import 'fs'/,
    ],
    [
      'file-escape',
      `const fs = ${escape}.getBuiltinModule('node:fs'); return fs.readFileSync('/etc/hostname', 'utf8');`,
      /not available in the sandbox/,
    ],
    [
      'child-process',
      `const cp = await import('node:child_process'); return String(cp.execSync('env'));`,
      /dynamic import/,
    ],
    [
      'child-process-escape',
      `const cp = ${escape}.getBuiltinModule('node:child_process'); return String(cp.execSync('env'));`,
      /not available in the sandbox/,
    ],
  ])('%s: ends ENDED_ERROR and the secret is never seen', async (name, body, message) => {
    const ended = await attempt(name, body);
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.message).toMatch(message);
    expect(JSON.stringify(ended)).not.toContain(CANARY);
  });

  it('ends an infinite loop at the flow timeout with TimeoutExceededError', async () => {
    const ended = await attempt('loop', 'for (;;) {}', 2);
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.name).toBe('TimeoutExceededError');
    expect(ended.message).toContain('timeout of 2 s');
  });

  it('ends unbounded allocation with a clear error', async () => {
    const ended = await attempt(
      'bomb',
      'const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random()));',
    );
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.name).toBe('OutOfMemoryError');
  });

  it('ends process.exit() with a clear error', async () => {
    const ended = await attempt('exit', `${escape}.exit(3);`);
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.message).toMatch(/ended its sandbox process \(exit code 3\)/);
  });

  it('keeps the worker alive and serving, and the secret out of every record', async () => {
    const started = await startExecution(
      { db, boss },
      { flow: { name: 'alive' }, startedBy: { kind: 'system' } },
    );
    expect((await waitForEnd(db, started.id)).output).toBe('still here');
    expect(worker.child.exitCode).toBeNull();
    const everything = await sql<{ dump: string }>`
      select coalesce(string_agg(e::text, ''), '') || coalesce((select string_agg(l::text, '') from execution_logs l), '') as dump
      from executions e`.execute(db);
    expect(everything.rows[0]?.dump).not.toContain(CANARY);
    expect(worker.output()).not.toContain(CANARY);
  });
});
