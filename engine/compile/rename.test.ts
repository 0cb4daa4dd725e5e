import { describe, expect, it } from 'vitest';
import { canonicalizeGraph } from '../graph/canonical';
import { graphSchema } from '../graph/model';
import { renameGraphNode, renameInExpression } from './rename';

const graph = canonicalizeGraph(
  graphSchema.parse({
    nodes: [
      {
        id: 'fetch',
        type: 'connection',
        params: { connector_type: 'REST', inputs: { url: 'http://x/{{ input.fetch }}' } },
      },
      {
        id: 'check',
        type: 'condition',
        params: { expression: 'fetch.output.json.length > 0 && input.fetch' },
      },
      {
        id: 'bill',
        type: 'flow',
        params: {
          flow: 'fetch',
          input: { orders: '{{ fetch.output.json }}', note: 'fetch: {{ fetch.status }} / {{ "fetch" }}' },
        },
      },
      {
        id: 'sum',
        type: 'script',
        params: { code: 'return fetch;', input: { n: '{{ [fetch].map((fetch) => fetch.status) }}' } },
      },
    ],
    edges: [
      { source: 'fetch', target: 'check' },
      { source: 'check', sourceHandle: 'true', target: 'bill' },
      { source: 'fetch', target: 'sum' },
    ],
  }),
);

describe('renaming a node', () => {
  it('rewrites its edges and every reference to it, and nothing else', () => {
    const renamed = renameGraphNode(graph, 'fetch', 'fetch_orders');
    expect(renamed.nodes.map((node) => node.id)).toEqual(['fetch_orders', 'check', 'bill', 'sum']);
    expect(renamed.edges.map((edge) => `${edge.source}->${edge.target}`)).toEqual([
      'fetch_orders->check',
      'check->bill',
      'fetch_orders->sum',
    ]);
    expect(renamed.nodes[0]?.params.inputs).toEqual({ url: 'http://x/{{ input.fetch }}' });
    expect(renamed.nodes[1]?.params.expression).toBe('fetch_orders.output.json.length > 0 && input.fetch');
    expect(renamed.nodes[2]?.params).toEqual({
      flow: 'fetch',
      input: {
        orders: '{{ fetch_orders.output.json }}',
        note: 'fetch: {{ fetch_orders.status }} / {{ "fetch" }}',
      },
    });
    // A script's code reads `input`, not node ids; a parameter that shadows the name is not the node.
    expect(renamed.nodes[3]?.params).toEqual({
      code: 'return fetch;',
      input: { n: '{{ [fetch_orders].map((fetch) => fetch.status) }}' },
    });
  });

  it('refuses an id that is taken, invalid, or a node that does not exist', () => {
    expect(() => renameGraphNode(graph, 'fetch', 'bill')).toThrow("a node has the id 'bill' already");
    expect(() => renameGraphNode(graph, 'fetch', 'Fetch')).toThrow("'Fetch': an id is lower-case letters");
    expect(() => renameGraphNode(graph, 'nope', 'x')).toThrow("no node has the id 'nope'");
  });

  it('keeps the expression text as written around the names it replaces', () => {
    expect(renameInExpression('a.b  +  { a: a }.a  // a', 'a', 'zz')).toBe('zz.b  +  { a: zz }.a  // a');
  });
});
