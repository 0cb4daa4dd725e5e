/**
 * The issue-4 figures: P1 (HTTP start-to-answer latency of a trivial flow), P3 (trivial executions
 * started over HTTP and ended, per second, with 2 workers), P_webhook (a synchronous webhook call) and P3e (the same through the engine's own
 * start function in a worker process, no HTTP). Registered in scripts/bench.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { measureCanvasInChromium } from './canvas';
import { createUser } from '../../engine/auth/accounts';
import { createApiToken } from '../../engine/auth/api-tokens';
import { EVENTS_CHANNEL, listen, type ExecutionEvent } from '../../engine/events/events';
import { createGraphFlow } from '../../engine/flows/graph-flows';
import { startExecution } from '../../engine/runtime/start';
import { Worker } from '../../engine/runtime/worker';
import { TEST_SECRET_KEY } from '../../engine/runtime/testing';
import { secretKeyFromHex } from '../../engine/secrets/secrets';
import type { Db } from '../../engine/store/db';
import type { PgBoss } from 'pg-boss';

export type ThroughputContext = {
  url: string;
  db: Db;
  boss: PgBoss;
  define(name: string, code: string): Promise<void>;
  log(line: string): void;
};

const root = path.resolve(import.meta.dirname, '..', '..');
const TRIVIAL = `export default async function handler(this: any) { return this.success('ok'); }`;
const P3_SECONDS = 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The production server (`scripts/start.ts`, with its in-process worker) on a free port. */
async function startServer(url: string): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowline-bench-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'scripts/start.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        DATABASE_URL: url,
        PORT: String(port),
        FLOWLINE_DATA_DIR: dataDir,
        FLOWLINE_SECRET_KEY: TEST_SECRET_KEY,
        NEXTAUTH_SECRET: crypto.randomBytes(24).toString('hex'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('[flowline] ready on')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${output}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** P1 and P3: over HTTP against the production server; its worker plus the bench's spawned one make 2. */
export async function measureHttp(ctx: ThroughputContext): Promise<Record<string, number>> {
  await ctx.define('bench-trivial', TRIVIAL);
  const account = { email: `bench-${crypto.randomUUID()}@example.com`, password: crypto.randomUUID() };
  const user = await createUser(ctx.db, { ...account, name: 'bench' }, { isAdmin: true });
  const { token } = await createApiToken(ctx.db, user.id, 'bench');
  const server = await startServer(ctx.url);
  try {
    const startAndWait = async () => {
      const response = await fetch(`${server.baseUrl}/api/latest/execution`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ flow: 'bench-trivial', wait: 30 }),
      });
      const body = (await response.json()) as { status?: string };
      if (response.status !== 200 || body.status !== 'ENDED_SUCCESS') {
        throw new Error(`P1/P3 run answered ${response.status}: ${JSON.stringify(body)}`);
      }
    };

    for (let i = 0; i < 100; i++) await startAndWait(); // warm-up: route bundles, pools, runners
    const latencies: number[] = [];
    for (let i = 0; i < 500; i++) {
      const started = performance.now();
      await startAndWait();
      latencies.push(performance.now() - started);
    }
    ctx.log(
      `P1 over ${latencies.length} runs: p50 ${round(percentile(latencies, 50))} ms, p99 ${round(percentile(latencies, 99))} ms`,
    );

    const ended = await keepBusy(P3_SECONDS, 32, startAndWait);
    ctx.log(`P3: ${ended} executions started over HTTP and ended in ${P3_SECONDS} s (32 clients)`);
    const webhook = await measureWebhookCalls(ctx, server.baseUrl);
    // P4 needs the same running app, in a browser.
    const canvas = await measureCanvasInChromium(server.baseUrl, account, ctx.log);
    return {
      P1_p50_ms: round(percentile(latencies, 50)),
      P1_p99_ms: round(percentile(latencies, 99)),
      P3_per_s: round(ended / P3_SECONDS, 1),
      ...webhook,
      ...canvas,
    };
  } finally {
    await server.stop();
  }
}

/**
 * P_webhook: a synchronous webhook call answered with its flow's output (a WEBHOOK execution, its FLOW
 * child and the graph's trigger and end nodes), one call at a time: the budget is P1's.
 */
async function measureWebhookCalls(ctx: ThroughputContext, baseUrl: string): Promise<Record<string, number>> {
  await createGraphFlow(ctx.db, {
    name: 'bench-webhook',
    graph: {
      nodes: [
        { id: 'hook', type: 'webhook', params: { name: 'bench-hook', enabled: true } },
        { id: 'done', type: 'end', params: { status: 'success', output: { got: '{{ input.json.n }}' } } },
      ],
      edges: [{ source: 'hook', target: 'done' }],
    },
    userId: null,
  });
  const call = async (n: number) => {
    const response = await fetch(`${baseUrl}/api/latest/webhook/bench-hook/call`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n }),
    });
    const body = (await response.json()) as { got?: number };
    if (response.status !== 200 || body.got !== n)
      throw new Error(`P_webhook call answered ${response.status}: ${JSON.stringify(body)}`);
  };
  for (let i = 0; i < 50; i++) await call(i); // warm-up: the route bundle, the graph's module
  const latencies: number[] = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    await call(i);
    latencies.push(performance.now() - started);
  }
  ctx.log(
    `P_webhook over ${latencies.length} calls: p50 ${round(percentile(latencies, 50))} ms, p99 ${round(percentile(latencies, 99))} ms`,
  );
  return {
    P_webhook_p50_ms: round(percentile(latencies, 50)),
    P_webhook_p99_ms: round(percentile(latencies, 99)),
  };
}

/** P3e: startExecution called inside a worker process (this one), counting ends on the event channel. */
export async function measureEngineThroughput(ctx: ThroughputContext): Promise<Record<string, number>> {
  await ctx.define('bench-trivial-e', TRIVIAL);
  const worker = await Worker.start({
    databaseUrl: ctx.url,
    concurrency: 10,
    secretKey: secretKeyFromHex(TEST_SECRET_KEY),
  });
  const waiting = new Map<string, () => void>();
  const listener = listen(ctx.url, [EVENTS_CHANNEL], (_channel, payload) => {
    const event = JSON.parse(payload) as ExecutionEvent;
    if (event.status.startsWith('ENDED_')) waiting.get(event.id)?.();
  });
  try {
    const startAndWait = async () => {
      let done!: () => void;
      const ended = new Promise<void>((resolve) => (done = resolve));
      const execution = await startExecution(
        { db: ctx.db, boss: ctx.boss },
        { flow: { name: 'bench-trivial-e' }, startedBy: { kind: 'system' } },
      );
      waiting.set(execution.id, done);
      // An end announced before we registered: look once.
      const row = await ctx.db
        .selectFrom('executions')
        .select('status')
        .where('id', '=', execution.id)
        .executeTakeFirst();
      if (row?.status.startsWith('ENDED_')) done();
      await ended;
      waiting.delete(execution.id);
    };
    await keepBusy(2, 32, startAndWait); // warm-up
    const ended = await keepBusy(P3_SECONDS, 64, startAndWait);
    ctx.log(`P3e: ${ended} executions started through startExecution and ended in ${P3_SECONDS} s`);
    return { P3e_per_s: round(ended / P3_SECONDS, 1) };
  } finally {
    await listener.close();
    await worker.stop({ graceMs: 5000 });
  }
}

/** Keeps `concurrency` runs in flight for `seconds`; counts the runs that finished inside the window. */
async function keepBusy(seconds: number, concurrency: number, runOnce: () => Promise<void>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let finished = 0;
  const lane = async () => {
    while (performance.now() < deadline) {
      await runOnce();
      if (performance.now() <= deadline) finished++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return finished;
}
