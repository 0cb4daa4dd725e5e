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

/** Each line reached the runner's real `process` while flows ran in a vm context (issue 8). */
const ESCAPES = {
  console: 'console.log.constructor("return process")()',
  require: 'require.constructor("return process")()',
  timer: 'setTimeout.constructor("return process")()',
  flowApi: 'this.flow.constructor("return process")()',
};

describe('user code at the execution level', () => {
  it.each([
    ['env', 'return process.env.FLOWLINE_CANARY;', /process is not defined/],
    ...Object.entries(ESCAPES).map(([name, escape]): [string, string, RegExp] => [
      `escape-${name}`,
      `const proc = ${escape}; return proc.env.FLOWLINE_CANARY;`,
      /process is not defined/,
    ]),
    [
      'worker-environ',
      `const proc = ${ESCAPES.console}; return proc.getBuiltinModule('node:fs').readFileSync('/proc/' + proc.ppid + '/environ', 'utf8');`,
      /process is not defined/,
    ],
    [
      'postgres-socket',
      `const proc = ${ESCAPES.console}; const Socket = proc.stdout.constructor; return new Socket().connect('/var/run/postgresql/.s.PGSQL.5432');`,
      /process is not defined/,
    ],
    [
      'ipc-channel',
      `const proc = ${ESCAPES.timer}; proc.channel.writeUtf8String('garbage'); return 'written';`,
      /process is not defined/,
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
    const ended = await attempt('exit', 'process.exit(3);');
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.message).toMatch(/ReferenceError: process is not defined/);
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
