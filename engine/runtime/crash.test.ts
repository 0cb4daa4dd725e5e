import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { startBoss } from '../queue/boss';
import { listLogs } from '../store/logs';
import { startExecution } from './start';
import { defineFlow, spawnWorker, treeOf, waitForEnd, waitUntil, type WorkerProcess } from './testing';

const { db, url } = await createTestDatabase();
const boss = await startBoss(url);
const workers: WorkerProcess[] = [];
let server: http.Server;
let port = 0;
/** Requests received per idempotency key: the receiving side's own count. */
const hits = new Map<string, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const key = new URL(req.url ?? '/', 'http://x').searchParams.get('key') ?? '';
    hits.set(key, (hits.get(key) ?? 0) + 1);
    // Slow enough that a crash lands in the middle of the flows.
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ key }));
    }, 150);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await defineFlow(db, 'step', `export default async function handler(this: any) { return this.input; }`);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await boss.stop({ graceful: false });
  await new Promise((resolve) => server.close(resolve));
});

function startWorker(env: Record<string, string> = {}): WorkerProcess {
  const worker = spawnWorker(url, env);
  workers.push(worker);
  return worker;
}

const run = (flow: string, input?: unknown) =>
  startExecution({ db, boss }, { flow: { name: flow }, input, startedBy: { kind: 'system' } });

describe('durable sleep', () => {
  it('survives a restart of all workers during the sleep and ends once', async () => {
    await defineFlow(
      db,
      'nap',
      `export default async function handler(this: any) {
        await this.log('before');
        await this.sleep(3);
        await this.log('after');
        return this.success('rested');
      }`,
    );
    const first = startWorker();
    await first.ready;
    const nap = await run('nap');
    await waitUntil(async () => (await treeOf(db, nap.id))[0]?.status === 'WAITING');
    expect(await first.stop()).toBe(0);
    const second = startWorker();
    await second.ready;
    const ended = await waitForEnd(db, nap.id);
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', message: 'rested' });
    expect(ended.ended_at!.getTime() - ended.started_at!.getTime()).toBeGreaterThanOrEqual(3000);
    expect((await listLogs(db, nap.id)).map((l) => l.message)).toEqual(['before', 'after']);
    await second.stop();
  });
});

describe('crash takeover', () => {
  it('finishes every flow after kill -9 of its worker; nothing ran twice but the step in flight', async () => {
    const STEPS = 4;
    await defineFlow(
      db,
      'multi',
      `export default async function handler(this: any) {
        for (let i = 1; i <= ${STEPS}; i++) {
          const key = this.stepKey();
          const call = await this.connect({ connector_type: 'REST', url: 'http://127.0.0.1:${port}/hit', params: { key } });
          await this.flow('step', { i, key: call.output.json.key });
        }
        return this.success('all steps');
      }`,
    );
    const doomed = startWorker({ WORKER_CONCURRENCY: '20' });
    await doomed.ready;
    const executions = await Promise.all(Array.from({ length: 20 }, () => run('multi')));
    // Kill it in the middle: some connector calls done, most not.
    await waitUntil(async () => [...hits.values()].reduce((a, b) => a + b, 0) >= 25);
    await doomed.kill();
    const rescuer = startWorker({ WORKER_CONCURRENCY: '20' });
    await rescuer.ready;

    for (const execution of executions) {
      const ended = await waitForEnd(db, execution.id, 90_000);
      expect(ended.error).toBeNull();
      expect(ended.status).toBe('ENDED_SUCCESS');
      const tree = await treeOf(db, execution.id);
      const flows = tree.filter((e) => e.type === 'FLOW' && e.id !== execution.id);
      const connections = tree.filter((e) => e.type === 'CONNECTION');
      // A child execution is never created twice: one per step, each ended once.
      expect(flows.map((f) => (f.input as { i: number }).i)).toEqual([1, 2, 3, 4]);
      expect(connections).toHaveLength(STEPS);
      expect(tree.every((e) => e.status === 'ENDED_SUCCESS')).toBe(true);
      // On the receiving side: each call arrived once, except at most the one in flight at the crash.
      const counts = Array.from({ length: STEPS }, (_, i) => hits.get(`${execution.id}:${i * 2 + 1}`) ?? 0);
      expect(counts.every((c) => c === 1 || c === 2)).toBe(true);
      expect(counts.filter((c) => c === 2).length).toBeLessThanOrEqual(1);
    }
    expect(rescuer.output()).toContain('overdue execution(s) again');
  });
});
