import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { startBoss } from '../queue/boss';
import { listLogs } from '../store/logs';
import { startExecution } from './start';
import { defineFlow, spawnWorker, treeOf, waitForEnd, type WorkerProcess } from './testing';

const { db, url } = await createTestDatabase();
const boss = await startBoss(url);
let worker: WorkerProcess;
let server: http.Server;
let port = 0;
const requests: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ greeting: 'hello', path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  worker = spawnWorker(url);
  await worker.ready;
});

afterAll(async () => {
  await worker?.stop();
  await boss.stop({ graceful: false });
  await new Promise((resolve) => server.close(resolve));
});

const run = (flow: string, input?: unknown) =>
  startExecution({ db, boss }, { flow: { name: flow }, input, startedBy: { kind: 'system' } });

describe('the seed example', () => {
  it('starts a child flow with input, calls a connector, and ends with success("all done")', async () => {
    await defineFlow(
      db,
      'greet',
      `export default async function handler(this: any) {
        await this.log('greeting', this.input.who);
        await this.save({ output: { text: 'hello ' + this.input.who } });
        return this.success('greeted');
      }`,
    );
    await defineFlow(
      db,
      'seed',
      `export default async function handler(this: any, system: any) {
        const child = await this.flow('greet', { who: 'world' });
        const call = await this.connect({ connector_type: 'REST', url: 'http://127.0.0.1:${port}/ping' });
        await this.setOutput('child', child.output.text);
        await this.setOutput('http', call.output.json.greeting);
        return this.success('all done');
      }`,
    );
    const started = await run('seed');
    const ended = await waitForEnd(db, started.id);
    expect(ended.error).toBeNull();
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', message: 'all done' });
    expect(ended.output).toEqual({ child: 'hello world', http: 'hello' });
    const tree = await treeOf(db, started.id);
    expect(
      tree.map((e) => [e.type, e.name, e.status, e.parent_id === started.id || e.id === started.id]),
    ).toEqual([
      ['FLOW', 'seed', 'ENDED_SUCCESS', true],
      ['FLOW', 'greet', 'ENDED_SUCCESS', true],
      ['CONNECTION', 'REST', 'ENDED_SUCCESS', true],
    ]);
    const greet = tree[1]!;
    expect(greet.input).toEqual({ who: 'world' });
    expect(greet.message).toBe('greeted');
    const logs = await listLogs(db, greet.id);
    expect(logs.map((l) => l.message)).toEqual(['greeting world']);
    expect(requests).toEqual(['/ping']);
  });
});
