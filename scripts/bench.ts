/**
 * `npm run bench`: Flowline's performance figures, measured end to end against a real PostgreSQL
 * (DATABASE_URL, or the embedded one) and a real worker process, on a fresh database.
 * Prints each figure as it goes; the LAST line is one JSON object of all figures.
 *
 * Adding a figure: append a Benchmark to `benchmarks` below (a name, and a run() returning figures).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { readEngineConfig } from '../engine/config';
import { EVENTS_CHANNEL, listen, type ExecutionEvent } from '../engine/events/events';
import { resolveDatabase } from '../engine/postgres/resolve';
import { startBoss } from '../engine/queue/boss';
import { cancelExecution } from '../engine/runtime/finish';
import { startExecution } from '../engine/runtime/start';
import { defineFlow, spawnWorker, type WorkerProcess } from '../engine/runtime/testing';
import { createDb, type Db } from '../engine/store/db';
import { migrateToLatest } from '../engine/store/migrate';
import { dropDatabase, withDatabase } from '../engine/store/test-databases';
import { measureCompile } from './bench/compile';
import { measureEngineThroughput, measureHttp } from './bench/throughput';

type BenchContext = {
  /** The bench database's URL. */
  url: string;
  db: Db;
  boss: PgBoss;
  worker: WorkerProcess;
  /** Starts a flow through the engine's own start function. */
  start(flow: string, input?: unknown): Promise<string>;
  /** Resolves when the execution has ended (on its NOTIFY event, not by polling). */
  ended(id: string): Promise<ExecutionEvent>;
  define(name: string, code: string): Promise<void>;
  log(line: string): void;
};

type Benchmark = { name: string; run(ctx: BenchContext): Promise<Record<string, number>> };

const seconds = (ms: number) => Math.round(ms) / 1000;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** P2: one flow running 40 sequential child flows, each computing fibo(10), until the parent ends. */
const sequentialChildren: Benchmark = {
  name: 'P2',
  async run(ctx) {
    await ctx.define(
      'bench-fibo',
      `export default async function handler(this: any) {
        const fibo = (n: number): number => (n < 2 ? n : fibo(n - 1) + fibo(n - 2));
        return fibo(this.input);
      }`,
    );
    await ctx.define(
      'bench-p2',
      `export default async function handler(this: any) {
        let sum = 0;
        for (let i = 0; i < 40; i++) sum += (await this.flow('bench-fibo', 10)).output;
        return sum;
      }`,
    );
    const times: number[] = [];
    for (let round = 0; round < 6; round++) {
      const started = performance.now();
      const id = await ctx.start('bench-p2');
      const event = await ctx.ended(id);
      if (event.status !== 'ENDED_SUCCESS')
        throw new Error(`P2 run ended ${event.status}: ${await errorOf(ctx, id)}`);
      if (round > 0) times.push(performance.now() - started); // round 0 warms the runners and caches
    }
    ctx.log(`P2 rounds (ms): ${times.map(Math.round).join(', ')}`);
    return { P2_s: seconds(median(times)) };
  },
};

/** P7: one flow fanning out 1,000 children with wait: false and joining them with waitFor. */
const fanOut: Benchmark = {
  name: 'P7',
  async run(ctx) {
    await ctx.define('bench-leaf', `export default async function handler(this: any) { return this.input; }`);
    await ctx.define(
      'bench-p7',
      `export default async function handler(this: any) {
        const children = [];
        for (let i = 0; i < this.input; i++) children.push(await this.flow('bench-leaf', i, { wait: false }));
        const done = await this.waitFor(children);
        return done.length;
      }`,
    );
    await ctx.ended(await ctx.start('bench-p7', 50)); // warm-up
    const times: number[] = [];
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      const event = await ctx.ended(await ctx.start('bench-p7', 1000));
      if (event.status !== 'ENDED_SUCCESS')
        throw new Error(`P7 run ended ${event.status}: ${await errorOf(ctx, event.id)}`);
      times.push(performance.now() - started);
    }
    ctx.log(`P7 rounds (ms): ${times.map(Math.round).join(', ')}`);
    return { P7_s: seconds(median(times)) };
  },
};

/** P6: the worker's resident memory while 1,000 executions sleep or wait on children. */
const idleMemory: Benchmark = {
  name: 'P6',
  async run(ctx) {
    await ctx.define(
      'bench-sleeper',
      `export default async function handler(this: any) { await this.sleep(3600); }`,
    );
    await ctx.define(
      'bench-waiter',
      `export default async function handler(this: any) {
        const child = await this.flow('bench-sleeper', null, { wait: false });
        await this.waitFor([child]);
      }`,
    );
    const ids: string[] = [];
    for (let i = 0; i < 500; i++) ids.push(await ctx.start('bench-waiter')); // 500 waiting + 500 sleeping children
    const waiting = async () =>
      Number(
        (
          await ctx.db
            .selectFrom('executions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', '=', 'WAITING')
            .executeTakeFirstOrThrow()
        ).n,
      );
    while ((await waiting()) < 1000) await new Promise((resolve) => setTimeout(resolve, 200));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pid = ctx.worker.child.pid as number;
    const workerMb = rssMb(pid);
    const runnersMb = childPids(pid).reduce((sum, child) => sum + rssMb(child), 0);
    ctx.log(`P6: 1000 WAITING; worker process ${workerMb} MB, its idle runner processes ${runnersMb} MB`);
    for (const id of ids) await cancelExecution({ db: ctx.db, boss: ctx.boss }, id);
    return { P6_rss_mb: workerMb, P6_runners_rss_mb: runnersMb };
  },
};

async function errorOf(ctx: BenchContext, id: string): Promise<string> {
  const row = await ctx.db
    .selectFrom('executions')
    .select(['message', 'error'])
    .where('id', '=', id)
    .executeTakeFirst();
  return JSON.stringify(row ?? null);
}

const benchmarks: Benchmark[] = [
  sequentialChildren,
  fanOut,
  idleMemory,
  { name: 'P1', run: measureHttp }, // also P3 and P4: they need the running app
  { name: 'P3e', run: measureEngineThroughput },
  { name: 'P5', run: async (ctx) => measureCompile(ctx.log) },
];

function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

async function main(): Promise<void> {
  const config = readEngineConfig();
  const server = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'bench'),
  });
  const name = `flowline_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: withDatabase(server.url, 'postgres') });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = withDatabase(server.url, name);
  const db = createDb(url);
  await migrateToLatest(db);
  const boss = await startBoss(url);
  const waiters = new Map<string, (event: ExecutionEvent) => void>();
  const listener = listen(url, [EVENTS_CHANNEL], (_channel, payload) => {
    const event = JSON.parse(payload) as ExecutionEvent;
    if (event.status.startsWith('ENDED_')) waiters.get(event.id)?.(event);
  });
  const worker = spawnWorker(url, {
    WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '10',
    // e.g. BENCH_WORKER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the worker
    ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
  });
  const figures: Record<string, number> = {};
  try {
    await worker.ready;
    const ctx: BenchContext = {
      url,
      db,
      boss,
      worker,
      async start(flow, input) {
        return (
          await startExecution({ db, boss }, { flow: { name: flow }, input, startedBy: { kind: 'system' } })
        ).id;
      },
      ended(id) {
        return new Promise((resolve) => {
          waiters.set(id, (event) => {
            waiters.delete(id);
            resolve(event);
          });
          // It may have ended before we listened.
          void db
            .selectFrom('executions')
            .select(['status', 'root_id', 'parent_id', 'node_id'])
            .where('id', '=', id)
            .executeTakeFirst()
            .then((row) => {
              if (row?.status.startsWith('ENDED_')) {
                waiters.delete(id);
                resolve({
                  id,
                  rootId: row.root_id,
                  parentId: row.parent_id,
                  status: row.status,
                  nodeId: row.node_id,
                  kind: 'status',
                });
              }
            });
        });
      },
      define: (flowName, code) => defineFlow(db, flowName, code),
      log: (line) => console.log(`[bench] ${line}`),
    };
    // BENCH_ONLY=P2,P7 runs only those.
    const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
    const failures: string[] = [];
    for (const benchmark of benchmarks.filter((b) => !only || only.includes(b.name))) {
      try {
        const result = await benchmark.run(ctx);
        for (const [key, value] of Object.entries(result)) console.log(`[bench] ${key} = ${value}`);
        Object.assign(figures, result);
      } catch (error) {
        // One broken benchmark must not hide the others' figures: report it and go on.
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        console.error(
          `[bench] ${benchmark.name} failed: ${(error as Error).message}${cause ? ` (${cause})` : ''}`,
        );
        failures.push(benchmark.name);
      }
    }
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    if (process.env.BENCH_KEEP_DATABASE) {
      console.log(`[bench] keeping database ${name}`);
      await worker.stop();
      await listener.close();
      await boss.stop({ graceful: false });
      await db.destroy();
      return;
    }
    await worker.stop();
    await listener.close();
    await boss.stop({ graceful: false });
    await db.destroy();
    await dropDatabase(server.url, name);
    await server.stop();
  }
  console.log(JSON.stringify(figures));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
