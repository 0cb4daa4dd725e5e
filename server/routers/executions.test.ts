import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  spawnWorker,
  TEST_SECRET_KEY,
  waitForEnd,
  waitUntil,
  type WorkerProcess,
} from '../../engine/runtime/testing';
import { createTestDatabase } from '../../test/database';
import { closeLiveHub } from '../live';
import { routerCallers, trpcFailureOf as failureOf } from './testing';

const { db, url } = await createTestDatabase();
// getEngine() (run, cancel) reaches the database through DATABASE_URL, as in the web process.
process.env.DATABASE_URL = url;
process.env.FLOWLINE_SECRET_KEY = TEST_SECRET_KEY;
const { user, signedIn, anonymous } = await routerCallers(db, 'executions-router@example.com');

const childCode = `export default async function handler(this: any) {
  return this.success('child done');
}
`;
const parentCode = `export default async function handler(this: any) {
  await this.log('starting', { n: this.input.n });
  await this.flow('router child');
  this.save({ output: { doubled: this.input.n * 2 } });
  return this.success('parent done');
}
`;
const failingCode = `export default async function handler(this: any) {
  const limit = 10;
  if (this.input.n > limit) {
    throw new Error('n is too big');
  }
  return this.success('fine');
}
`;
const sleeperCode = `export default async function handler(this: any) {
  await this.sleep(600);
  return this.success('woke');
}
`;

let worker: WorkerProcess;

beforeAll(async () => {
  worker = spawnWorker(url);
  for (const [name, code] of [
    ['router child', childCode],
    ['router parent', parentCode],
    ['router sleeper', sleeperCode],
    ['router failing', failingCode],
  ] as const) {
    await signedIn.flows.create({ name });
    await signedIn.flows.saveCode({ name, code });
  }
  await worker.ready;
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await closeLiveHub();
});

describe('flows.saveCode and flows.run', () => {
  it('refuses a syntax error with BAD_REQUEST naming line and column, and keeps the last version', async () => {
    const before = await signedIn.flows.get({ name: 'router child' });
    const failure = await failureOf(
      signedIn.flows.saveCode({
        name: 'router child',
        code: 'export default async function (\n  return 1;\n',
      }),
    );
    expect(failure.code).toBe('BAD_REQUEST');
    expect(failure.message).toMatch(/line 2, column \d+/);
    expect((await signedIn.flows.get({ name: 'router child' })).version).toBe(before.version);
  });

  it('answers NOT_FOUND for an unknown flow and BAD_REQUEST for a non-JSON input', async () => {
    expect(await failureOf(signedIn.flows.run({ name: 'nope', input: null, productive: true }))).toEqual({
      code: 'NOT_FOUND',
      message: "flow 'nope' does not exist",
    });
    const notJson = { name: 'router child', input: () => 1, productive: true } as unknown as Parameters<
      typeof signedIn.flows.run
    >[0];
    expect((await failureOf(signedIn.flows.run(notJson))).code).toBe('BAD_REQUEST');
  });

  it('needs a signed-in user for every procedure', async () => {
    expect((await failureOf(anonymous.flows.run({ name: 'x', input: 1, productive: true }))).code).toBe(
      'UNAUTHORIZED',
    );
    expect(await failureOf(anonymous.executions.list({}))).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await failureOf(anonymous.executions.get({ id: crypto.randomUUID() }))).code).toBe(
      'UNAUTHORIZED',
    );
  });
});

describe('executions router', () => {
  let productiveId = '';
  let devId = '';

  beforeAll(async () => {
    productiveId = (await signedIn.flows.run({ name: 'router parent', input: { n: 21 }, productive: true }))
      .id;
    devId = (await signedIn.flows.run({ name: 'router parent', input: { n: 1 }, productive: false })).id;
    await waitForEnd(db, productiveId);
    await waitForEnd(db, devId);
  }, 60_000);

  it('gets the execution with its tree, flow name and logs', async () => {
    const { execution, tree, logs, flowName, flowLatestVersion } = await signedIn.executions.get({
      id: productiveId,
    });
    expect(execution).toMatchObject({
      status: 'ENDED_SUCCESS',
      is_productive: true,
      message: 'parent done',
      input_value: { n: 21 },
      output_value: { doubled: 42 },
      started_by: { kind: 'user', id: user.id },
    });
    expect(flowName).toBe('router parent');
    expect(flowLatestVersion).toBe(2);
    expect(tree.map((node) => [node.name, node.parent_id])).toEqual([
      ['router parent', null],
      ['router child', productiveId],
    ]);
    expect(logs).toMatchObject([{ level: 'info', message: 'starting {"n":21}' }]);

    const child = tree[1]!;
    const fromChild = await signedIn.executions.get({ id: child.id });
    expect(fromChild.tree.map((node) => node.id)).toEqual([productiveId, child.id]);
    expect(fromChild.execution.is_productive).toBe(true);
  });

  it('children of a dev-mode run are dev mode too', async () => {
    const { tree } = await signedIn.executions.get({ id: devId });
    expect(tree.map((node) => node.is_productive)).toEqual([false, false]);
  });

  it('lists latest first, filters by mode, flow, type and status, and pages with the cursor', async () => {
    const parentFlow = await signedIn.flows.get({ name: 'router parent' });
    const dev = await signedIn.executions.list({ mode: 'dev' });
    expect(dev.items.map((item) => item.is_productive)).toEqual([false, false]);
    expect(dev.items.at(-1)?.id).toBe(devId);

    const productiveParents = await signedIn.executions.list({ mode: 'productive', flowId: parentFlow.id });
    expect(productiveParents.items.map((item) => item.id)).toEqual([productiveId]);

    const succeeded = await signedIn.executions.list({ status: ['ENDED_SUCCESS'], type: ['FLOW'] });
    expect(succeeded.items).toHaveLength(4);

    const first = await signedIn.executions.list({ limit: 3 });
    expect(first.nextCursor).not.toBeNull();
    const second = await signedIn.executions.list({ limit: 3, cursor: first.nextCursor });
    const ids = [...first.items, ...second.items].map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(4);
    expect(second.nextCursor).toBeNull();
    const created = [...first.items, ...second.items].map((item) => item.created_at);
    expect([...created].sort().reverse()).toEqual(created);
  });

  it("lists only top-level runs with rootsOnly, each with its child count, and one run's children by parentId", async () => {
    const roots = await signedIn.executions.list({ rootsOnly: true });
    expect(roots.items.map((item) => [item.id, item.parent_id, item.childCount])).toEqual([
      [devId, null, 1],
      [productiveId, null, 1],
    ]);
    const children = await signedIn.executions.list({ parentId: productiveId });
    expect(children.items.map((item) => [item.name, item.parent_id, item.childCount])).toEqual([
      ['router child', productiveId, 0],
    ]);
    const all = await signedIn.executions.list({});
    expect(all.items).toHaveLength(4);
  });

  it('refuses a bad filter by naming the field', async () => {
    const failure = await failureOf(signedIn.executions.list({ status: ['DONE' as 'ENDED_SUCCESS'] }));
    expect(failure.code).toBe('BAD_REQUEST');
    expect(failure.message).toContain('"status"');
  });

  it('points an error at the line of the flow version that ran', async () => {
    const { id } = await signedIn.flows.run({ name: 'router failing', input: { n: 11 }, productive: true });
    await waitForEnd(db, id);
    const { execution, errorSource } = await signedIn.executions.get({ id });
    expect(execution.status).toBe('ENDED_ERROR');
    expect(execution.error?.message).toBe('n is too big');
    expect(errorSource).toMatchObject({
      line: 4,
      lines: [{ number: 2 }, { number: 3 }, { number: 4 }, { number: 5 }, { number: 6 }],
    });
    expect(errorSource?.lines.find((line) => line.number === 4)?.text).toContain(
      "throw new Error('n is too big')",
    );
    expect((await signedIn.executions.get({ id: productiveId })).errorSource).toBeNull();
  });

  it('cancels an unended execution, and answers NOT_FOUND for an unknown one', async () => {
    const { id } = await signedIn.flows.run({ name: 'router sleeper', input: null, productive: true });
    await waitUntil(async () => {
      const { execution } = await signedIn.executions.get({ id });
      return execution.status === 'WAITING';
    });
    expect(await signedIn.executions.cancel({ id })).toEqual({ id, cancelled: 1 });
    expect((await signedIn.executions.get({ id })).execution.status).toBe('ENDED_CANCELLED');
    expect(await signedIn.executions.cancel({ id })).toEqual({ id, cancelled: 0 });

    const unknown = crypto.randomUUID();
    expect(await failureOf(signedIn.executions.get({ id: unknown }))).toEqual({
      code: 'NOT_FOUND',
      message: `execution '${unknown}' does not exist`,
    });
    expect((await failureOf(signedIn.executions.cancel({ id: unknown }))).code).toBe('NOT_FOUND');
  });
});

/**
 * A server-side caller yields tRPC's tracked envelopes (`[id, data, marker]`); the type says
 * `{ id, data }`, which is what the browser's link makes of them.
 */
function envelope<T>(message: { id: string; data: T } | void): [string, T] {
  return message as unknown as [string, T];
}

describe('executions.onTree and executions.onList (live subscriptions)', () => {
  it('refuses an anonymous subscription', async () => {
    const rootId = crypto.randomUUID();
    expect((await failureOf(anonymous.executions.onTree({ rootId }))).code).toBe('UNAUTHORIZED');
    expect((await failureOf(anonymous.executions.onList({}))).code).toBe('UNAUTHORIZED');
  });

  it('yields the tree as a snapshot tracked by its cursor, then its changes until the end', async () => {
    const { id } = await signedIn.flows.run({ name: 'router parent', input: { n: 2 }, productive: true });
    const abort = new AbortController();
    const createCaller = (await import('../trpc')).createCallerFactory((await import('./_app')).appRouter);
    const caller = createCaller({ db, user }, { signal: abort.signal });
    const statuses = new Map<string, string>();
    const kinds: string[] = [];
    const ids: string[] = [];
    for await (const message of await caller.executions.onTree({ rootId: id })) {
      const [eventId, event] = envelope(message);
      ids.push(eventId);
      kinds.push(event.kind);
      for (const execution of event.executions) statuses.set(execution.id, execution.status);
      if (statuses.get(id) === 'ENDED_SUCCESS') break;
    }
    abort.abort();
    expect(kinds[0]).toBe('snapshot');
    expect(kinds.slice(1).every((kind) => kind === 'changes')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...statuses.values()]).toEqual(['ENDED_SUCCESS', 'ENDED_SUCCESS']); // the parent and its child

    // The list's first message is its first page, the parent and its child on it.
    const listAbort = new AbortController();
    const listCaller = createCaller({ db, user }, { signal: listAbort.signal });
    const list = (await listCaller.executions.onList({}))[Symbol.asyncIterator]();
    const [, page] = envelope((await list.next()).value);
    listAbort.abort();
    expect(page.reset).toBe(true);
    expect(page.executions.map((execution) => execution.id)).toContain(id);
  });
});
