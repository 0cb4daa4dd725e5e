import fc from 'fast-check';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { RETURNS_INPUT, setUpEngineTestbed } from '../../test/engine-testbed';
import { arbitraryGraph, expectedRun } from '../compile/arbitrary-graph';
import { createConnection } from '../connectors/connections';
import type { GraphInput } from '../graph/model';
import { InvalidGraphError } from '../graph/issues';
import { TEST_SECRET_KEY, treeOf, waitForEnd } from '../runtime/testing';
import { secretKeyFromHex } from '../secrets/secrets';
import type { Execution } from '../store/database';
import { listExecutionNodes } from '../store/execution-nodes';
import { getFlowByName } from '../store/flows';
import { createGraphFlow, convertFlowToCode, convertFlowToGraph, saveGraphFlow } from './graph-flows';

// Graph flows saved as the canvas and REST save them, run on the real engine (a worker process).
const { db, run } = await setUpEngineTestbed({
  flows: {
    billing: `export default async function handler(this: Execution) { return { billed: this.input.orders.length }; }`,
    echo: RETURNS_INPUT,
    nap: `export default async function handler(this: Execution) { await this.sleep(0.3); return this.input; }`,
    fails: `export default async function handler(this: Execution) { throw new Error('no stock for ' + this.input.item); }`,
    flaky: `export default async function handler(this: Execution, system: System) {
      const runs = system.setting('runs-' + this.input.key);
      let n = 0;
      try { n = await runs.get(); } catch {}
      await runs.save(n + 1);
      if (n < 2) throw new Error('flaky run ' + n);
      return 'ok after ' + n;
    }`,
  },
});

/** The shop: GET /customers/<id>/orders answers that customer's orders (customer 0 has none). */
const requests: string[] = [];
const shop = http.createServer((req, res) => {
  requests.push(`${req.method} ${req.url}`);
  const customer = Number(/\/customers\/(\d+)\//.exec(req.url ?? '')?.[1] ?? 0);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(Array.from({ length: customer }, (_, at) => ({ id: at + 1 }))));
});
await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
afterAll(() => new Promise((resolve) => shop.close(resolve)));

await createConnection(db, secretKeyFromHex(TEST_SECRET_KEY), {
  name: 'shop',
  connector_type: 'REST',
  config: { url: shopUrl },
  userId: null,
});

async function saveAndRun(name: string, graph: GraphInput, input?: unknown): Promise<Execution> {
  try {
    await getFlowByName(db, name);
  } catch {
    await createGraphFlow(db, { name, graph, userId: null });
  }
  return waitForEnd(db, (await run(name, input)).id);
}

async function nodes(execution: Execution) {
  const records = await listExecutionNodes(db, execution.id);
  return Object.fromEntries(records.map((record) => [record.node_id, record]));
}

async function childrenByNode(execution: Execution): Promise<Record<string, Execution[]>> {
  const grouped: Record<string, Execution[]> = {};
  for (const child of await treeOf(db, execution.id)) {
    if (child.parent_id === execution.id) (grouped[child.node_id ?? '-'] ??= []).push(child);
  }
  return grouped;
}

const orders: GraphInput = {
  nodes: [
    { id: 'on_order', type: 'webhook', params: { name: 'orders' } },
    {
      id: 'fetch_orders',
      type: 'connection',
      params: { connection: 'shop', inputs: { path: '/customers/{{ input.customer }}/orders' } },
    },
    { id: 'check', type: 'condition', params: { expression: 'fetch_orders.output.json.length > 0' } },
    {
      id: 'bill',
      type: 'flow',
      params: { flow: 'billing', input: { orders: '{{ fetch_orders.output.json }}' } },
    },
    {
      id: 'total',
      type: 'script',
      params: {
        code: 'return input.ids.reduce((sum: number, id: number) => sum + id, 0);',
        input: { ids: '{{ fetch_orders.output.json.map((o: { id: number }) => o.id) }}' },
      },
    },
    {
      id: 'done',
      type: 'end',
      params: {
        status: 'success',
        message: 'billed {{ bill.output.billed }} orders',
        output: { total: '{{ total.output }}' },
      },
    },
    {
      id: 'nothing',
      type: 'end',
      params: { status: 'error', message: 'customer {{ input.customer }} has no orders' },
    },
  ],
  edges: [
    { source: 'on_order', target: 'fetch_orders' },
    { source: 'fetch_orders', target: 'check' },
    { source: 'check', sourceHandle: 'true', target: 'bill' },
    { source: 'check', sourceHandle: 'true', target: 'total' },
    { source: 'bill', target: 'done' },
    { source: 'total', target: 'done' },
    { source: 'check', sourceHandle: 'false', target: 'nothing' },
  ],
};

describe('graph flows run on the engine', () => {
  it('a stored connection, a condition (true), a child flow and a script in parallel, joined by an end', async () => {
    const execution = await saveAndRun('orders', orders, { customer: 3 });
    expect(execution).toMatchObject({
      status: 'ENDED_SUCCESS',
      message: 'billed 3 orders',
      output: { total: 6 },
    });
    expect(requests).toContain('GET /customers/3/orders');
    const children = await childrenByNode(execution);
    expect(Object.keys(children).sort()).toEqual(['bill', 'fetch_orders', 'total']);
    expect(children.fetch_orders?.[0]?.type).toBe('CONNECTION');
    expect(children.bill?.[0]).toMatchObject({ type: 'FLOW', output: { billed: 3 } });
    expect(children.total?.[0]).toMatchObject({ type: 'SCRIPT', output: 6 });
    const records = await nodes(execution);
    expect(records.check).toMatchObject({ status: 'success', output: true });
    expect(records.nothing).toMatchObject({ status: 'skipped' });
    expect(records.done?.status).toBe('success');
  });

  it('the same flow with the condition false ends with the error end', async () => {
    const execution = await saveAndRun('orders', orders, { customer: 0 });
    expect(execution).toMatchObject({ status: 'ENDED_ERROR', message: 'customer 0 has no orders' });
    const records = await nodes(execution);
    expect(records.check).toMatchObject({ status: 'success', output: false });
    // Skipped, unless the end ended the flow before the runtime wrote that down: never run, either way.
    for (const id of ['bill', 'total', 'done']) expect([undefined, 'skipped']).toContain(records[id]?.status);
    expect(Object.keys(await childrenByNode(execution))).toEqual(['fetch_orders']);
  });

  it('an ad-hoc connection', async () => {
    const execution = await saveAndRun('ad-hoc', {
      nodes: [
        {
          id: 'get',
          type: 'connection',
          params: { connector_type: 'REST', inputs: { url: `${shopUrl}/customers/2/orders` } },
        },
      ],
      edges: [],
    });
    expect(execution).toMatchObject({
      status: 'ENDED_SUCCESS',
      output: { get: { json: [{ id: 1 }, { id: 2 }] } },
    });
  });

  it('retries: each attempt is a child execution of the node, counted on the server', async () => {
    const execution = await saveAndRun('retrying', {
      nodes: [
        {
          id: 'attempt',
          type: 'flow',
          params: {
            flow: 'flaky',
            input: { key: '{{ this.id }}' },
            retries: { count: 3, delay_seconds: 0.1 },
          },
        },
      ],
      edges: [],
    });
    expect(execution).toMatchObject({ status: 'ENDED_SUCCESS', output: { attempt: 'ok after 2' } });
    const attempts = (await childrenByNode(execution)).attempt ?? [];
    expect(attempts.map((child) => child.status)).toEqual(['ENDED_ERROR', 'ENDED_ERROR', 'ENDED_SUCCESS']);
    expect((await nodes(execution)).attempt).toMatchObject({
      status: 'success',
      attempts: 3,
      child_id: attempts[2]?.id,
    });
  });

  it('on_error: continue takes the error handle and carries the error as data', async () => {
    const execution = await saveAndRun('continuing', {
      nodes: [
        {
          id: 'reserve',
          type: 'flow',
          params: { flow: 'fails', input: { item: 'socks' }, on_error: 'continue' },
        },
        { id: 'ship', type: 'flow', params: { flow: 'echo' } },
        {
          id: 'sorry',
          type: 'end',
          params: { status: 'error', message: 'could not reserve: {{ reserve.error?.message }}' },
        },
      ],
      edges: [
        { source: 'reserve', target: 'ship' },
        { source: 'reserve', sourceHandle: 'error', target: 'sorry' },
      ],
    });
    expect(execution.status).toBe('ENDED_ERROR');
    expect(execution.message).toMatch(/^could not reserve: .*no stock for socks/);
    const records = await nodes(execution);
    expect(records.reserve).toMatchObject({ status: 'error', error: { name: 'DependencyFailedError' } });
    expect(records.ship?.status).toBe('skipped');
  });

  it('two parallel branches joined: the join runs once, after both', async () => {
    const execution = await saveAndRun('parallel', {
      nodes: [
        { id: 'left', type: 'flow', params: { flow: 'nap', input: { side: 'left' } } },
        { id: 'right', type: 'flow', params: { flow: 'nap', input: { side: 'right' } } },
        {
          id: 'join',
          type: 'flow',
          params: { flow: 'echo', input: { sides: ['{{ left.output.side }}', '{{ right.output.side }}'] } },
        },
      ],
      edges: [
        { source: 'left', target: 'join' },
        { source: 'right', target: 'join' },
      ],
    });
    expect(execution).toMatchObject({
      status: 'ENDED_SUCCESS',
      output: { join: { sides: ['left', 'right'] } },
    });
    const children = await childrenByNode(execution);
    expect(children.join).toHaveLength(1);
    const [left, right, join] = [children.left?.[0], children.right?.[0], children.join?.[0]];
    // Both naps overlapped; the join started after both ended.
    expect(left!.started_at!.getTime()).toBeLessThan(right!.ended_at!.getTime());
    expect(join!.created_at.getTime()).toBeGreaterThanOrEqual(
      Math.max(left!.ended_at!.getTime(), right!.ended_at!.getTime()),
    );
  });

  it('a runtime error names the node', async () => {
    const execution = await saveAndRun('breaks', {
      nodes: [{ id: 'explode', type: 'flow', params: { flow: 'fails', input: { item: 'hats' } } }],
      edges: [],
    });
    expect(execution.status).toBe('ENDED_ERROR');
    expect(execution.error).toMatchObject({
      name: 'DependencyFailedError',
      message: expect.stringMatching(/^node 'explode': /),
    });
  });
});

describe('graph flows as records', () => {
  it('versions: each save is one, an execution runs the version it started with, and converting keeps the history', async () => {
    const first = {
      nodes: [{ id: 'say', type: 'flow', params: { flow: 'echo', input: { v: 1 } } }],
      edges: [],
    };
    const { flow } = await createGraphFlow(db, { name: 'versioned', graph: first, userId: null });
    const second = {
      nodes: [
        { id: 'say', type: 'flow', position: { x: 5, y: 5 }, params: { flow: 'echo', input: { v: 2 } } },
      ],
      edges: [],
    };
    expect(
      await saveGraphFlow(db, { flowId: flow.id, flowName: 'versioned', graph: second, userId: null }),
    ).toEqual({ version: 2, warnings: [] });
    const ran = await waitForEnd(db, (await run('versioned')).id);
    expect(ran).toMatchObject({ flow_version: 2, output: { say: { v: 2 } } });

    expect(await convertFlowToCode(db, 'versioned', null)).toEqual({ version: 3 });
    const asCode = await getFlowByName(db, 'versioned');
    expect(asCode).toMatchObject({ kind: 'code', graph: null });
    expect(asCode.code).toContain("graph.node('say', [], async () =>");
    const edited = asCode.code!.replace('{ v: 2 }', '{ v: 3 }');
    await db.updateTable('flows').set({ code: edited }).where('id', '=', flow.id).execute();

    expect(await convertFlowToGraph(db, 'versioned', null)).toEqual({ version: 4, warnings: [] });
    const back = await getFlowByName(db, 'versioned');
    expect(back).toMatchObject({
      kind: 'graph',
      graph: { nodes: [{ id: 'say', position: { x: 5, y: 5 }, params: { input: { v: 3 } } }] },
    });
    const versions = await db
      .selectFrom('flow_versions')
      .select(['version', 'kind'])
      .where('flow_id', '=', flow.id)
      .orderBy('version')
      .execute();
    expect(versions).toEqual([
      { version: 1, kind: 'graph' },
      { version: 2, kind: 'graph' },
      { version: 3, kind: 'code' },
      { version: 4, kind: 'graph' },
    ]);
  });

  it('an invalid graph saves nothing; warnings do not stop a save; positions are laid out when missing', async () => {
    await expect(
      createGraphFlow(db, {
        name: 'broken',
        graph: { nodes: [{ id: 'x', type: 'flow', params: {} }], edges: [] },
        userId: null,
      }),
    ).rejects.toThrow(InvalidGraphError);
    await expect(getFlowByName(db, 'broken')).rejects.toThrow("flow 'broken' does not exist");
    const { warnings } = await createGraphFlow(db, {
      name: 'draft',
      graph: {
        nodes: [
          { id: 'a', type: 'flow', params: { flow: 'not-written-yet' } },
          { id: 'b', type: 'flow', params: { flow: 'echo' } },
        ],
        edges: [{ source: 'a', target: 'b' }],
      },
      userId: null,
    });
    expect(warnings.map((issue) => issue.message)).toEqual([
      "a.params.flow: no flow is named 'not-written-yet'",
    ]);
    const draft = await getFlowByName(db, 'draft');
    expect((draft.graph as { nodes: { position: unknown }[] }).nodes.map((node) => node.position)).toEqual([
      { x: 0, y: 0 },
      { x: 280, y: 0 },
    ]);
  });

  it('a webhook name another flow uses is refused, naming that flow', async () => {
    await expect(
      createGraphFlow(db, {
        name: 'orders-too',
        graph: { nodes: [{ id: 'hook', type: 'webhook', params: { name: 'orders' } }], edges: [] },
        userId: null,
      }),
    ).rejects.toThrow(
      "hook.params.name: the webhook name 'orders' is used by flow 'orders' too; webhook names are unique across flows",
    );
  });
});

describe('random valid graphs (fast-check) on the engine', () => {
  it('run to the executions tree the graph implies: one child per step node that runs, every node recorded', async () => {
    let count = 0;
    await fc.assert(
      fc.asyncProperty(
        arbitraryGraph({ maxNodes: 12, childFlow: 'echo', connection: 'shop', ends: false }),
        async (generated) => {
          const name = `random-${count++}`;
          // Webhook names are unique across flows: each random flow's its own.
          const graph = {
            ...generated,
            nodes: generated.nodes.map((node) =>
              node.type === 'webhook' ? { ...node, params: { ...node.params, name } } : node,
            ),
          };
          await createGraphFlow(db, { name, graph, userId: null });
          const execution = await waitForEnd(db, (await run(name, { n: 1 })).id);
          expect(execution.error).toBeNull();
          expect(execution.status).toBe('ENDED_SUCCESS');
          const ran = expectedRun(graph);
          const steps = graph.nodes.filter((node) => ['flow', 'connection', 'script'].includes(node.type));
          const children = await childrenByNode(execution);
          expect(Object.keys(children).sort()).toEqual(
            steps
              .filter((node) => ran.has(node.id))
              .map((node) => node.id)
              .sort(),
          );
          for (const list of Object.values(children)) expect(list).toHaveLength(1);
          const records = await nodes(execution);
          for (const node of graph.nodes) {
            expect([node.id, records[node.id]?.status]).toEqual([
              node.id,
              ran.has(node.id) ? 'success' : 'skipped',
            ]);
          }
        },
      ),
      { numRuns: 8 },
    );
  }, 300_000);
});
