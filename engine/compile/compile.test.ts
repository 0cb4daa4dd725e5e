import { describe, expect, it } from 'vitest';
import { canonicalizeGraph } from '../graph/canonical';
import { graphSchema, type Graph, type GraphInput } from '../graph/model';
import { compileGraph } from './compile';
import { decompileGraph, NotGraphShapedError } from './decompile';
import { typeCheckGraph } from './typecheck';

/** A realistic flow: a webhook, a REST call with retries, a condition, a child flow or an end. */
export const ordersGraph: GraphInput = {
  nodes: [
    {
      id: 'on_order',
      type: 'webhook',
      position: { x: 0, y: 0 },
      params: { name: 'orders', methods: ['POST'] },
    },
    {
      id: 'fetch_orders',
      type: 'connection',
      position: { x: 280, y: 0 },
      notes: 'The shop answers with the open orders of the customer.',
      params: {
        connector_type: 'REST',
        inputs: { url: 'https://shop.example/customers/{{ input.json.customer }}/orders', method: 'GET' },
        retries: { count: 3, delay_seconds: 5, backoff: 2 },
        timeout_seconds: 30,
        on_error: 'continue',
      },
    },
    {
      id: 'check',
      type: 'condition',
      position: { x: 560, y: 0 },
      params: { expression: 'fetch_orders.output.json.length > 0' },
    },
    {
      id: 'bill',
      type: 'flow',
      position: { x: 840, y: 0 },
      params: {
        flow: 'billing',
        input: {
          orders: '{{ fetch_orders.output.json }}',
          note: 'found {{ fetch_orders.output.json.length }} orders',
        },
      },
    },
    {
      id: 'nothing',
      type: 'end',
      position: { x: 840, y: 140 },
      params: { status: 'success', message: 'no open orders' },
    },
    {
      id: 'shop_down',
      type: 'end',
      position: { x: 560, y: 140 },
      params: { status: 'error', message: 'the shop failed: {{ fetch_orders.error?.message }}' },
    },
  ],
  edges: [
    { source: 'on_order', target: 'fetch_orders' },
    { source: 'fetch_orders', target: 'check' },
    { source: 'fetch_orders', sourceHandle: 'error', target: 'shop_down' },
    { source: 'check', sourceHandle: 'true', target: 'bill' },
    { source: 'check', sourceHandle: 'false', target: 'nothing' },
  ],
};

const canonical = (graph: GraphInput): Graph => canonicalizeGraph(graphSchema.parse(graph));

describe('compiling a graph', () => {
  it('writes the module kept in fixtures/orders-flow.compiled.txt (read it: it is what users see)', async () => {
    await expect(compileGraph(canonical(ordersGraph)).code).toMatchFileSnapshot(
      'fixtures/orders-flow.compiled.txt',
    );
  });

  it('writes the same text for the same graph, whatever order its edges came in', () => {
    const shuffled = { nodes: ordersGraph.nodes, edges: [...(ordersGraph.edges ?? [])].reverse() };
    expect(compileGraph(canonical(shuffled)).code).toBe(compileGraph(canonical(ordersGraph)).code);
  });

  it('puts nodes in an order their edges allow, keeping the given order elsewhere', () => {
    const reversed = canonical({ nodes: [...ordersGraph.nodes].reverse(), edges: ordersGraph.edges });
    expect(reversed.nodes.map((node) => node.id)).toEqual([
      'on_order',
      'fetch_orders',
      'shop_down',
      'check',
      'nothing',
      'bill',
    ]);
  });

  it('tells the lines of each node, for mapping runtime errors back', () => {
    const compiled = compileGraph(canonical(ordersGraph));
    const lines = compiled.code.split('\n');
    for (const node of compiled.nodes) {
      expect(lines[node.line - 1]).toContain(`// ── ${node.id} · ${node.type}`);
      expect(lines[node.endLine - 1]).toMatch(/\);$/);
    }
  });

  it('is accepted by the TypeScript compiler against the flow API', () => {
    const graph = canonical(ordersGraph);
    expect(typeCheckGraph(compileGraph(graph), graph)).toEqual([]);
  });

  it('maps type errors back to the node and parameter, and a script error to its line', () => {
    const graph = canonical({
      nodes: [
        {
          id: 'a',
          type: 'flow',
          params: { flow: 'billing', input: { n: '{{ String(input.n).nope() }}' } },
        },
        {
          id: 'sum',
          type: 'script',
          params: { code: 'const total: number = 1;\nreturn total.toUpperCase();' },
        },
        { id: 'check', type: 'condition', params: { expression: 'Math.floor("x") > 1' } },
      ],
      edges: [],
    });
    expect(typeCheckGraph(compileGraph(graph), graph).map((issue) => issue.message)).toEqual([
      "a.params.input.n: Property 'nope' does not exist on type 'string'.",
      "check.params.expression: Argument of type 'string' is not assignable to parameter of type 'number'.",
      "sum.params.code: line 2: Property 'toUpperCase' does not exist on type 'number'.",
    ]);
  });
});

describe('reading code back into its graph', () => {
  const compiled = compileGraph(canonical(ordersGraph)).code;

  it('gives graph -> code -> graph unchanged', () => {
    expect(decompileGraph(compiled)).toEqual(canonical(ordersGraph));
  });

  it('shows a param changed in code, and keeps the comments written by hand as notes', () => {
    const edited = compiled
      .replace("this.flow('billing'", "this.flow('billing-v2'")
      .replace("  graph.node('nothing'", "  // Nothing to bill today.\n  graph.node('nothing'")
      .replace("'no open orders'", "'no open orders' /* said politely */");
    const nodes = decompileGraph(edited).nodes;
    expect(nodes.find((node) => node.id === 'bill')?.params.flow).toBe('billing-v2');
    expect(nodes.find((node) => node.id === 'nothing')).toEqual({
      id: 'nothing',
      type: 'end',
      position: { x: 840, y: 140 },
      notes: 'Nothing to bill today.\nsaid politely',
      params: { status: 'success', message: 'no open orders' },
    });
  });

  it('reads a new node call and a rewired `after` list', () => {
    const edited = compiled.replace(
      '  return graph.done();',
      "  graph.node('audit', ['bill', 'nothing'], async ({ bill }) =>\n    this.flow('audit', { billed: bill.output }, { nodeId: 'audit' }));\n\n  return graph.done();",
    );
    const graph = decompileGraph(edited);
    expect(graph.nodes.at(-1)).toEqual({
      id: 'audit',
      type: 'flow',
      params: { flow: 'audit', input: { billed: '{{ bill.output }}' } },
    });
    expect(graph.edges.filter((edge) => edge.target === 'audit')).toEqual([
      { source: 'bill', sourceHandle: 'out', target: 'audit' },
      { source: 'nothing', sourceHandle: 'out', target: 'audit' },
    ]);
  });

  it('turns a hand-edited node body into a script node holding that code', () => {
    const edited = compiled.replace(
      "async ({ fetch_orders }) =>\n    this.flow('billing', {",
      "async ({ fetch_orders }) =>\n    (await this.log('billing now'), this).flow('billing', {",
    );
    const bill = decompileGraph(edited).nodes.find((node) => node.id === 'bill');
    expect(bill?.type).toBe('script');
    expect(bill?.params.input).toEqual({ fetch_orders: '{{ fetch_orders }}' });
    expect(String(bill?.params.code)).toMatch(
      /^const \{ fetch_orders \} = input;\nreturn \(await this\.log\('billing now'\), this\)\.flow\('billing'/,
    );
  });

  it('refuses code that leaves the shape, with the line that leaves it', () => {
    const edited = compiled.replace(
      '  return graph.done();',
      "  await this.log('done');\n  return graph.done();",
    );
    const line = edited.split('\n').findIndex((text) => text.includes("this.log('done')")) + 1;
    expect(() => decompileGraph(edited)).toThrow(
      new NotGraphShapedError(
        'only graph.node(...) calls may stand between `const graph = this.graph();` and `return graph.done();`',
        line,
      ),
    );
    expect(() => decompileGraph('export default async function handler() { return 1; }')).toThrow(
      /^line 1: a graph’s handler starts with/,
    );
    expect(() => decompileGraph('const x = ;')).toThrow(/^line 1: syntax error: Expression expected/);
  });
});
