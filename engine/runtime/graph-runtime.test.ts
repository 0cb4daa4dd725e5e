import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { RETURNS_INPUT, setUpEngineTestbed } from '../../test/engine-testbed';
import type { Execution } from '../store/database';
import { listExecutionNodes, type ExecutionNodeRecord } from '../store/execution-nodes';
import { treeOf, waitForEnd } from './testing';

// Graph flows' compiled modules, written by hand in the shape engine/compile emits (docs/graph.md).
const { db, run, runToEnd } = await setUpEngineTestbed({
  flows: {
    echo: RETURNS_INPUT,
    fails: `export default async function handler(this: any) { throw new Error('boom ' + JSON.stringify(this.input)); }`,
    nap: `export default async function handler(this: any) { await this.sleep(0.5); return this.input; }`,
    hangs: `export default async function handler(this: any) { await new Promise((r) => setTimeout(r, 30000)); }`,
    // Fails on its first two runs per key, then succeeds: a setting counts the runs.
    flaky: `export default async function handler(this: any, system: any) {
      const runs = system.setting('runs-' + this.input.key);
      let n = 0;
      try { n = await runs.get(); } catch {}
      await runs.save(n + 1);
      if (n < 2) throw new Error('flaky run ' + n);
      return 'ok after ' + n;
    }`,
  },
});

// A server that never answers: connector calls to it only end by their timeout.
const silent = http.createServer(() => {});
await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
const silentPort = (silent.address() as AddressInfo).port;
afterAll(() => {
  silent.closeAllConnections();
  silent.close();
});

/** A graph flow's module: the nodes' lines between the generated prologue and epilogue. */
function graphModule(nodes: string): string {
  return `export default async function handler(this: Execution, system: System) {
  const input = this.input;
  const graph = this.graph();
${nodes}
  return graph.done();
}`;
}

async function nodesOf(execution: Execution): Promise<Record<string, ExecutionNodeRecord>> {
  const records = await listExecutionNodes(db, execution.id);
  return Object.fromEntries(records.map((record) => [record.node_id, record]));
}

/** The children of an execution, grouped by the node that started them. */
async function childrenByNode(execution: Execution): Promise<Record<string, Execution[]>> {
  const grouped: Record<string, Execution[]> = {};
  for (const child of await treeOf(db, execution.id)) {
    if (child.parent_id !== execution.id) continue;
    (grouped[child.node_id ?? '-'] ??= []).push(child);
  }
  return grouped;
}

function statuses(records: Record<string, ExecutionNodeRecord>): Record<string, string> {
  return Object.fromEntries(Object.entries(records).map(([id, record]) => [id, record.status]));
}

const ORDERS = graphModule(`
  // ── node on_order (webhook)
  graph.node('on_order', [], async () => graph.trigger('webhook', { name: 'orders' }));

  // ── node fetch_orders (flow)
  graph.node('fetch_orders', ['on_order'], async ({ on_order }) =>
    this.flow('echo', { items: on_order.output.items }, { nodeId: 'fetch_orders', timeoutSeconds: 30 }));

  // ── node check (condition)
  graph.node('check', ['fetch_orders'], async ({ fetch_orders }) => {
    if (fetch_orders.output.items.length > 0) return graph.take('true');
    return graph.take('false');
  });

  // ── node bill (flow)
  graph.node('bill', ['check:true'], async ({ fetch_orders }) =>
    this.flow('echo', { orders: fetch_orders.output.items }, { nodeId: 'bill' }));

  // ── node transform (script)
  graph.node('transform', ['check:true'], async ({ fetch_orders }) =>
    this.script('export default async function handler(this: Execution, system: System) {\\n  const input = this.input;\\n  return input.n * 2;\\n}', { n: 21 }, { nodeId: 'transform' }));

  // ── node nothing (end)
  graph.node('nothing', ['check:false'], async () => this.success('no orders'));
`);

describe('a graph flow', () => {
  it('runs a chain through a condition into the branch it takes and skips the other', async () => {
    const ended = await runToEnd('orders', ORDERS, { items: [1, 2] });
    expect(ended.error).toBeNull();
    expect(ended.status).toBe('ENDED_SUCCESS');
    // The leaves that succeeded, by node id (the skipped end node is not one of them).
    expect(ended.output).toEqual({ bill: { orders: [1, 2] }, transform: 42 });
    const records = await nodesOf(ended);
    expect(statuses(records)).toEqual({
      on_order: 'success',
      fetch_orders: 'success',
      check: 'success',
      bill: 'success',
      transform: 'success',
      nothing: 'skipped',
    });
    expect(records.on_order?.output).toEqual({ items: [1, 2] });
    expect(records.check?.output).toBe(true);
    expect(records.nothing).toMatchObject({ started_at: null, attempts: 0 });
    const children = await childrenByNode(ended);
    expect(Object.keys(children).sort()).toEqual(['bill', 'fetch_orders', 'transform']);
    expect(Object.values(children).every((list) => list.length === 1)).toBe(true);
    // A child's node record names the child; its output is the child's (joined in, not copied).
    expect(records.bill?.child_id).toBe(children.bill?.[0]?.id);
    expect(records.bill?.output).toEqual({ orders: [1, 2] });
    expect(children.transform?.[0]).toMatchObject({ type: 'SCRIPT', output: 42 });
    expect(children.fetch_orders?.[0]?.timeout_seconds).toBe(30);
    for (const record of Object.values(records)) {
      if (record.status !== 'skipped') expect(record).toMatchObject({ attempts: 1, error: null });
      expect(record.ended_at).not.toBeNull();
    }
  });

  it('ends through an end node on the other branch, which the record shows as the one that ended it', async () => {
    const ended = await waitForEnd(db, (await run('orders', { items: [] })).id);
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', message: 'no orders' });
    const records = await nodesOf(ended);
    expect(statuses(records)).toMatchObject({
      check: 'success',
      bill: 'skipped',
      transform: 'skipped',
      nothing: 'success',
    });
    expect(records.check?.output).toBe(false);
    expect(Object.keys(await childrenByNode(ended))).toEqual(['fetch_orders']);
  });

  it('runs independent branches at once and a join once, after both', async () => {
    const ended = await runToEnd(
      'join',
      graphModule(`
  graph.node('left', [], async () => this.flow('nap', 'L', { nodeId: 'left' }));
  graph.node('right', [], async () => this.flow('nap', 'R', { nodeId: 'right' }));
  graph.node('both', ['left', 'right'], async ({ left, right }) =>
    this.flow('echo', left.output + right.output, { nodeId: 'both' }));
`),
    );
    expect(ended.error).toBeNull();
    expect(ended.output).toEqual({ both: 'LR' });
    const children = await childrenByNode(ended);
    const [left, right, both] = [children.left, children.right, children.both];
    expect([left?.length, right?.length, both?.length]).toEqual([1, 1, 1]);
    // Concurrent: each branch's child started before the other's ended.
    expect(left![0]!.started_at!.getTime()).toBeLessThan(right![0]!.ended_at!.getTime());
    expect(right![0]!.started_at!.getTime()).toBeLessThan(left![0]!.ended_at!.getTime());
    const lastBranchEnd = Math.max(left![0]!.ended_at!.getTime(), right![0]!.ended_at!.getTime());
    expect(both![0]!.started_at!.getTime()).toBeGreaterThanOrEqual(lastBranchEnd);
    expect(statuses(await nodesOf(ended))).toEqual({ left: 'success', right: 'success', both: 'success' });
  });

  it('runs a join that a skipped branch also leads to (an OR-join), and skips what only the skipped branch reaches', async () => {
    const ended = await runToEnd(
      'or-join',
      graphModule(`
  graph.node('check', [], async () => (input.go ? graph.take('true') : graph.take('false')));
  graph.node('yes', ['check:true'], async () => 'took yes');
  graph.node('no', ['check:false'], async () => 'took no');
  graph.node('only_no', ['no'], async () => 'never');
  graph.node('join', ['yes', 'no'], async ({ yes, no }) => [yes.status, no.status]);
`),
      { go: true },
    );
    expect(ended.error).toBeNull();
    expect(ended.output).toEqual({ join: ['success', 'skipped'] });
    expect(statuses(await nodesOf(ended))).toEqual({
      check: 'success',
      yes: 'success',
      no: 'skipped',
      only_no: 'skipped',
      join: 'success',
    });
  });

  it('refuses a node whose source is not registered before it', async () => {
    const ended = await runToEnd(
      'out-of-order',
      graphModule(`
  graph.node('b', ['a'], async () => 1);
  graph.node('a', [], async () => 2);
`),
    );
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.name).toBe('InvalidArgumentError');
    expect(ended.error?.message).toContain("source 'a' is not registered");
  });
});

describe('a failing node', () => {
  it('is retried with a new child per attempt until it succeeds, its attempts recorded', async () => {
    const ended = await runToEnd(
      'retries',
      graphModule(`
  graph.node('call', [], async () => this.flow('flaky', { key: 'retries' }, { nodeId: 'call' }),
    { retries: { count: 3, delay_seconds: 0.1, backoff: 2 } });
`),
    );
    expect(ended.error).toBeNull();
    expect(ended.output).toEqual({ call: 'ok after 2' });
    const children = (await childrenByNode(ended)).call ?? [];
    expect(children.map((child) => child.status)).toEqual(['ENDED_ERROR', 'ENDED_ERROR', 'ENDED_SUCCESS']);
    const record = (await nodesOf(ended)).call;
    expect(record).toMatchObject({ status: 'success', attempts: 3, child_id: children[2]?.id });
    // The waits between attempts were durable sleeps (journaled), 0.1 s and then 0.2 s.
    const steps = await db
      .selectFrom('execution_steps')
      .select(['kind', 'request'])
      .where('execution_id', '=', ended.id)
      .orderBy('seq')
      .execute();
    expect(steps.map((step) => step.kind)).toEqual([
      'child.start',
      'sleep',
      'child.start',
      'sleep',
      'child.start',
    ]);
    expect(
      steps.filter((s) => s.kind === 'sleep').map((s) => (s.request as { seconds: number }).seconds),
    ).toEqual([0.1, 0.2]);
  });

  it("with on_error 'continue' takes its error edge: the node after it reads the error, its out edge is skipped", async () => {
    const ended = await runToEnd(
      'continues',
      graphModule(`
  graph.node('x', [], async () => this.flow('fails', 'x', { nodeId: 'x' }),
    { retries: { count: 1, delay_seconds: 0 }, on_error: 'continue' });
  graph.node('onward', ['x'], async ({ x }) => x.output);
  graph.node('handled', ['x:error'], async ({ x }) => ({ name: x.error?.name, message: x.error?.message, child: x.childId }));
`),
    );
    expect(ended.error).toBeNull();
    const children = (await childrenByNode(ended)).x ?? [];
    expect(children).toHaveLength(2);
    const output = ended.output as { handled: { name: string; message: string; child: string } };
    expect(Object.keys(output)).toEqual(['handled']);
    expect(output.handled.name).toBe('DependencyFailedError');
    expect(output.handled.message).toContain('boom "x"');
    expect(output.handled.child).toBe(children[1]?.id);
    const records = await nodesOf(ended);
    expect(statuses(records)).toEqual({ x: 'error', onward: 'skipped', handled: 'success' });
    expect(records.x).toMatchObject({ attempts: 2, child_id: children[1]?.id });
    expect(records.x?.error).toMatchObject({ name: 'DependencyFailedError', childId: children[1]?.id });
  });

  it("with on_error 'fail' ends the flow naming the node; a sibling still running is recorded cancelled", async () => {
    const ended = await runToEnd(
      'fails-flow',
      graphModule(`
  graph.node('slow', [], async () => { await this.sleep(1); return 'late'; });
  graph.node('x', [], async () => this.flow('fails', 'fatal', { nodeId: 'x' }));
  graph.node('after_x', ['x'], async () => 'never');
`),
    );
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.name).toBe('DependencyFailedError');
    expect(ended.error?.message).toMatch(/^node 'x': /);
    expect(ended.error?.message).toContain('boom "fatal"');
    const records = await nodesOf(ended);
    expect(statuses(records)).toEqual({ slow: 'cancelled', x: 'error' });
    expect(records.slow?.ended_at?.getTime()).toBe(ended.ended_at?.getTime());
  });

  it('can end the flow through an end node with an error status and a saved output', async () => {
    const ended = await runToEnd(
      'end-node',
      graphModule(`
  graph.node('fetch_orders', [], async () =>
    this.connect({ connector_type: 'REST', url: 'http://127.0.0.1:1/orders' }, {}, { nodeId: 'fetch_orders' }),
    { on_error: 'continue' });
  graph.node('report_failure', ['fetch_orders:error'], async ({ fetch_orders }) => {
    await this.save({ output: { reason: fetch_orders.error?.message } });
    return this.error(\`could not fetch: \${fetch_orders.error?.message}\`);
  });
  graph.node('use', ['fetch_orders'], async ({ fetch_orders }) => fetch_orders.output);
`),
    );
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.message).toMatch(/^could not fetch: /);
    const reason = (ended.output as { reason: string }).reason;
    expect(reason).toBeTruthy();
    expect(ended.message).toBe(`could not fetch: ${reason}`);
    const records = await nodesOf(ended);
    expect(statuses(records)).toEqual({ fetch_orders: 'error', report_failure: 'error', use: 'skipped' });
    expect((await childrenByNode(ended)).fetch_orders?.[0]).toMatchObject({
      type: 'CONNECTION',
      status: 'ENDED_ERROR',
    });
  });
});

describe("a child's own timeout (timeoutSeconds)", () => {
  it('stops a child flow and a connector call past it with TimeoutExceededError', async () => {
    const ended = await runToEnd(
      'timeouts',
      graphModule(`
  graph.node('wait', [], async () => this.flow('hangs', null, { nodeId: 'wait', timeoutSeconds: 1 }),
    { on_error: 'continue' });
  graph.node('call', [], async () =>
    this.connect({ connector_type: 'REST', url: 'http://127.0.0.1:${silentPort}/never' }, {}, { nodeId: 'call', timeoutSeconds: 1 }),
    { on_error: 'continue' });
  graph.node('seen', ['wait:error', 'call:error'], async ({ wait, call }) => [wait.error?.message, call.error?.message]);
`),
    );
    expect(ended.error).toBeNull();
    const children = await childrenByNode(ended);
    for (const node of ['wait', 'call']) {
      const [child] = children[node] ?? [];
      expect(child).toMatchObject({ status: 'ENDED_ERROR', timeout_seconds: 1 });
      expect(child?.error?.name).toBe('TimeoutExceededError');
      expect(child!.ended_at!.getTime() - child!.started_at!.getTime()).toBeLessThan(10_000);
    }
    expect(children.call?.[0]?.type).toBe('CONNECTION');
    expect(statuses(await nodesOf(ended))).toEqual({ wait: 'error', call: 'error', seen: 'success' });
  });
});
