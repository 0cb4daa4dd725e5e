import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { RETURNS_INPUT } from '../../test/engine-testbed';
import { createGraphFlow } from '../flows/graph-flows';
import { startBoss } from '../queue/boss';
import { listExecutionNodes } from '../store/execution-nodes';
import { startExecution } from './start';
import { defineFlow, spawnWorker, treeOf, waitForEnd, waitUntil, type WorkerProcess } from './testing';

const { db, url } = await createTestDatabase();
const boss = await startBoss(url);
const workers: WorkerProcess[] = [];
let server: http.Server;
let port = 0;
/** Requests received per key: the receiving side's own count. */
const hits = new Map<string, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const key = new URL(req.url ?? '/', 'http://x').searchParams.get('key') ?? '';
    hits.set(key, (hits.get(key) ?? 0) + 1);
    // Slow enough that the crash lands in the middle of the graphs.
    setTimeout(() => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ key }));
    }, 200);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await defineFlow(db, 'step', RETURNS_INPUT);
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await boss.stop({ graceful: false });
  await new Promise((resolve) => server.close(resolve));
});

const NODES = ['a', 'b', 'c', 'd', 'first']; // sorted

describe('a graph flow whose worker is killed', () => {
  it('resumes on another worker and runs no node twice', async () => {
    // Saved as a graph, the way the canvas and REST do: validated, compiled, stored as a version.
    const call = (id: string) => ({
      id,
      type: 'connection',
      params: {
        connector_type: 'REST',
        inputs: { url: `http://127.0.0.1:${port}/hit`, params: { key: `{{ this.id }}:${id}` } },
      },
    });
    await createGraphFlow(db, {
      name: 'diamond',
      userId: null,
      graph: {
        nodes: [
          call('first'),
          { id: 'a', type: 'flow', params: { flow: 'step', input: { key: '{{ first.output.json.key }}' } } },
          call('b'),
          call('c'),
          { id: 'd', type: 'flow', params: { flow: 'step', input: { key: '{{ c.output.json.key }}' } } },
        ],
        edges: [
          { source: 'first', target: 'a' },
          { source: 'first', target: 'b' },
          { source: 'a', target: 'c' },
          { source: 'b', target: 'c' },
          { source: 'c', target: 'd' },
        ],
      },
    });
    const doomed = spawnWorker(url, { WORKER_CONCURRENCY: '10' });
    workers.push(doomed);
    await doomed.ready;
    const executions = await Promise.all(
      Array.from({ length: 10 }, () =>
        startExecution({ db, boss }, { flow: { name: 'diamond' }, startedBy: { kind: 'system' } }),
      ),
    );
    // Killed in the middle: every graph has started, most have calls still to make.
    await waitUntil(async () => [...hits.values()].reduce((a, b) => a + b, 0) >= 14);
    await doomed.kill();
    const rescuer = spawnWorker(url, { WORKER_CONCURRENCY: '10' });
    workers.push(rescuer);
    await rescuer.ready;

    for (const execution of executions) {
      const ended = await waitForEnd(db, execution.id, 90_000);
      expect(ended.error).toBeNull();
      expect(ended.status).toBe('ENDED_SUCCESS');
      expect(ended.output).toEqual({ d: { key: `${execution.id}:c` } });
      const children = (await treeOf(db, execution.id)).filter((e) => e.parent_id === execution.id);
      // Each node's child exists once: the journal answered what the first run had started.
      expect(children.map((child) => child.node_id).sort()).toEqual(NODES);
      expect(children.every((child) => child.status === 'ENDED_SUCCESS')).toBe(true);
      const records = await listExecutionNodes(db, execution.id);
      expect(records.map((record) => record.node_id).sort()).toEqual(NODES);
      for (const record of records) {
        const child = children.find((c) => c.node_id === record.node_id);
        expect(record).toMatchObject({ status: 'success', attempts: 1, child_id: child?.id });
        expect(record.started_at!.getTime()).toBeLessThanOrEqual(record.ended_at!.getTime());
      }
      // On the receiving side: each call arrived once, or twice if it was in flight at the crash.
      for (const node of ['first', 'b', 'c']) {
        expect([1, 2]).toContain(hits.get(`${execution.id}:${node}`));
      }
    }
    expect(rescuer.output()).toContain('overdue execution(s) again');
  });
});
