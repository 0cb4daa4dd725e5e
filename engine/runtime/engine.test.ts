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

describe('the flow API', () => {
  it('offers settings, records, scripts, deferred children, outputs and step keys', async () => {
    await defineFlow(
      db,
      'echo',
      `export default async function handler(this: any) { return { got: this.input }; }`,
    );
    await defineFlow(
      db,
      'tour',
      `export default async function handler(this: any, system: any) {
        const out: any = {};
        out.firstKey = this.stepKey();
        try { await system.setting('counter').get(); } catch (e: any) { out.missingSetting = e.name; }
        await system.setting('counter').save(41);
        out.counter = (await system.setting('counter').get()) + 1;
        out.flow = (await system.flow('echo')).name;
        const deferred = await this.flow('echo', 'later', { run: false });
        out.deferredStatus = deferred.status;
        await deferred.run();
        out.deferredOutput = deferred.output;
        const background = await this.flow('echo', 'bg', { run: false });
        await background.runAsync();
        await background.wait();
        out.backgroundStatus = background.status;
        const script = await this.script('export default async function handler(this: any) { return this.input * 3; }', 14);
        out.script = script.output;
        out.children = (await system.executions({ parentId: this.id })).length;
        try { await this.script('export default async function handler( {'); } catch (e: any) { out.scriptError = e.name; }
        await this.save({ message: 'touring', output: out });
        await this.setOutput('last', true);
        await this.log('tour', { done: true });
      }`,
    );
    const ended = await waitForEnd(db, (await run('tour')).id);
    expect(ended.error).toBeNull();
    expect(ended.status).toBe('ENDED_SUCCESS');
    expect(ended.message).toBe('touring');
    expect(ended.output).toEqual({
      firstKey: `${ended.id}:1`,
      missingSetting: 'ResourceNotFoundError',
      counter: 42,
      flow: 'echo',
      deferredStatus: 'PENDING',
      deferredOutput: { got: 'later' },
      backgroundStatus: 'ENDED_SUCCESS',
      script: 42,
      children: 3,
      scriptError: 'SyntaxError',
      last: true,
    });
    const tree = await treeOf(db, ended.id);
    expect(tree.map((e) => [e.type, e.status])).toEqual([
      ['FLOW', 'ENDED_SUCCESS'],
      ['FLOW', 'ENDED_SUCCESS'],
      ['FLOW', 'ENDED_SUCCESS'],
      ['SCRIPT', 'ENDED_SUCCESS'],
    ]);
    const logs = await listLogs(db, ended.id);
    expect(logs.map((l) => l.message)).toEqual(['tour {"done":true}']);
  });
});

describe('calls user code does not await', () => {
  it('complete before the execution ends', async () => {
    await defineFlow(
      db,
      'careless',
      `export default async function handler(this: any) {
        this.log('one', 1);
        this.setOutput('a', 1);
        this.setOutput('big', 'x'.repeat(1_000_000)); // slow to carry and write: success would overtake it (1 MiB is the most)
        this.setOutput('b', 2);
        this.save({ message: 'saved' });
        return this.success('careless done');
      }`,
    );
    for (let round = 0; round < 5; round++) {
      const ended = await waitForEnd(db, (await run('careless')).id);
      expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: { a: 1, b: 2 } });
      expect((ended.output as { big: string }).big).toHaveLength(1_000_000);
      expect((await listLogs(db, ended.id)).map((line) => line.message)).toContain('one 1');
    }
  });
});
