import { describe, expect, it } from 'vitest';
import type { Graph } from '@/engine/graph/model';
import { parseClipboardGraph, pasteIds, subgraph, upstreamOf } from './graph-ops';
import { layoutPositions } from './layout';
import { createCanvasStore, HISTORY_LIMIT } from './store';

const at = (x: number, y = 0) => ({ x, y });

/** A webhook, a connection with an error handle, a check, and an end. */
function sample(): Graph {
  return {
    nodes: [
      { id: 'hook', type: 'webhook', position: at(0), params: { name: 'orders' } },
      {
        id: 'fetch',
        type: 'connection',
        position: at(300),
        params: { connector_type: 'REST', on_error: 'continue' },
      },
      { id: 'check', type: 'condition', position: at(600), params: { expression: 'fetch.output' } },
      { id: 'done', type: 'end', position: at(900), params: { status: 'success' } },
      { id: 'failed', type: 'end', position: at(900, 200), params: { status: 'error' } },
    ],
    edges: [
      { source: 'hook', sourceHandle: 'out', target: 'fetch' },
      { source: 'fetch', sourceHandle: 'out', target: 'check' },
    ],
  };
}

describe('connect', () => {
  it('adds an edge between existing handles', () => {
    const store = createCanvasStore(sample());
    expect(store.getState().connect({ source: 'check', sourceHandle: 'true', target: 'done' })).toEqual({
      ok: true,
    });
    expect(store.getState().graph.edges).toContainEqual({
      source: 'check',
      sourceHandle: 'true',
      target: 'done',
    });
  });

  it.each([
    [{ source: 'fetch', sourceHandle: 'out', target: 'fetch' }, "'fetch' cannot lead to itself"],
    [{ source: 'check', sourceHandle: 'true', target: 'hook' }, "'hook' is a trigger"],
    [{ source: 'check', sourceHandle: 'true', target: 'fetch' }, 'may not form a cycle'],
    [
      { source: 'check', sourceHandle: 'out', target: 'done' },
      "'check' has no 'out' handle (its handles: true, false)",
    ],
    [
      { source: 'done', sourceHandle: 'out', target: 'failed' },
      "'done' has no 'out' handle (its handles: none)",
    ],
    [{ source: 'hook', sourceHandle: 'out', target: 'fetch' }, 'already'],
    [{ source: 'fetch', sourceHandle: 'out', target: 'nowhere' }, 'both ends must be nodes'],
  ] as const)('refuses %o with a reason', (edge, reason) => {
    const store = createCanvasStore(sample());
    const result = store.getState().connect(edge);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
    expect(store.getState().graph.edges).toHaveLength(2);
    expect(store.getState().past).toHaveLength(0);
  });

  it("refuses a second edge from a handle over its max (a step's error handle takes one)", () => {
    const store = createCanvasStore(sample());
    expect(store.getState().connect({ source: 'fetch', sourceHandle: 'error', target: 'failed' }).ok).toBe(
      true,
    );
    const second = store.getState().connect({ source: 'fetch', sourceHandle: 'error', target: 'done' });
    expect(second).toEqual({
      ok: false,
      reason: "the 'error' handle of 'fetch' takes 1 edge, and it has one",
    });
  });
});

describe('nodes', () => {
  it('gives new nodes readable unique ids and default params', () => {
    const store = createCanvasStore({ nodes: [], edges: [] });
    expect(store.getState().addNode('connection', at(0))).toBe('connection_1');
    expect(store.getState().addNode('connection', at(10))).toBe('connection_2');
    expect(store.getState().addNode('script', at(20))).toBe('script_1');
    expect(store.getState().graph.nodes[2]).toMatchObject({
      id: 'script_1',
      params: { code: 'return input;' },
    });
  });

  it('removing a node removes its edges, in one undo step', () => {
    const store = createCanvasStore(sample());
    store.getState().remove({ nodes: ['fetch'] });
    expect(store.getState().graph.nodes.map((node) => node.id)).toEqual(['hook', 'check', 'done', 'failed']);
    expect(store.getState().graph.edges).toEqual([]);
    store.getState().undo();
    expect(store.getState().graph).toEqual(sample());
  });

  it('patches params, an undefined field removing it', () => {
    const store = createCanvasStore(sample());
    store.getState().updateNodeParams('fetch', { on_error: undefined, timeout_seconds: 30 });
    expect(store.getState().graph.nodes[1]?.params).toEqual({ connector_type: 'REST', timeout_seconds: 30 });
  });

  it('renames through the given function, refusing taken and invalid ids first', async () => {
    const store = createCanvasStore(sample());
    const calls: string[] = [];
    const rename = async (graph: Graph, from: string, to: string) => {
      calls.push(`${from}->${to}`);
      return { ...graph, nodes: graph.nodes.map((node) => (node.id === from ? { ...node, id: to } : node)) };
    };
    expect(await store.getState().renameNode('fetch', 'check', rename)).toEqual({
      ok: false,
      reason: "a node has the id 'check' already",
    });
    expect((await store.getState().renameNode('fetch', 'Fetch', rename)).ok).toBe(false);
    expect((await store.getState().renameNode('fetch', 'class', rename)).ok).toBe(false);
    expect(await store.getState().renameNode('fetch', 'orders', rename)).toEqual({ ok: true });
    expect(calls).toEqual(['fetch->orders']);
    expect(store.getState().graph.nodes[1]?.id).toBe('orders');
  });
});

describe('undo and redo', () => {
  it('walks back and forth through snapshots of the graph; a new change drops the redo list', () => {
    const store = createCanvasStore({ nodes: [], edges: [] });
    const { addNode, moveNodes } = store.getState();
    addNode('script', at(0));
    addNode('end', at(300));
    moveNodes([{ id: 'script_1', position: at(40, 40) }]);
    const moved = store.getState().graph;
    store.getState().undo();
    expect(store.getState().graph.nodes[0]?.position).toEqual(at(0));
    store.getState().undo();
    expect(store.getState().graph.nodes).toHaveLength(1);
    store.getState().redo();
    store.getState().redo();
    expect(store.getState().graph).toBe(moved);
    store.getState().redo(); // nothing left: no change
    expect(store.getState().graph).toBe(moved);
    store.getState().undo();
    store.getState().addNode('condition', at(600));
    expect(store.getState().future).toEqual([]);
  });

  it('replacing the whole graph (a restored draft) is one step that undo takes back', () => {
    const saved = sample();
    const draft: Graph = { ...saved, nodes: saved.nodes.slice(0, 2), edges: saved.edges.slice(0, 1) };
    const store = createCanvasStore(saved);
    store.getState().replace(draft);
    expect(store.getState().graph).toBe(draft);
    expect(store.getState().past).toEqual([saved]);
    store.getState().undo();
    expect(store.getState().graph).toBe(saved);
    store.getState().redo();
    expect(store.getState().graph).toBe(draft);
  });

  it('typing into one field is one step per pause, and a move of several nodes is one step', () => {
    let clock = 0;
    const store = createCanvasStore(sample(), () => clock);
    for (const expression of ['f', 'fe', 'fet', 'fetch.output']) {
      clock += 100;
      store.getState().updateNodeParams('check', { expression });
    }
    expect(store.getState().past).toHaveLength(1);
    clock += 5000;
    store.getState().updateNodeParams('check', { expression: 'true' });
    expect(store.getState().past).toHaveLength(2);
    store.getState().moveNodes([
      { id: 'hook', position: at(20) },
      { id: 'fetch', position: at(320) },
    ]);
    expect(store.getState().past).toHaveLength(3);
    store.getState().undo();
    expect(
      store
        .getState()
        .graph.nodes.slice(0, 2)
        .map((node) => node.position),
    ).toEqual([at(0), at(300)]);
  });

  it(`keeps at most ${HISTORY_LIMIT} steps`, () => {
    const store = createCanvasStore({ nodes: [], edges: [] });
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) store.getState().addNode('end', at(i));
    expect(store.getState().past).toHaveLength(HISTORY_LIMIT);
  });
});

describe('copy and paste', () => {
  it('copies the selection with its inner edges, and pastes it with fresh ids where they clash', () => {
    const store = createCanvasStore(sample());
    const clip = subgraph(store.getState().graph, new Set(['fetch', 'check', 'done']));
    expect(clip.edges).toEqual([{ source: 'fetch', sourceHandle: 'out', target: 'check' }]);
    const text = JSON.stringify(clip);
    const parsed = parseClipboardGraph(text);
    expect(parsed).not.toBeNull();
    const ids = store.getState().paste(parsed as Graph, { offset: at(40, 40) });
    expect(ids).toEqual(['fetch_1', 'check_1', 'done_1']);
    const { graph } = store.getState();
    expect(graph.nodes).toHaveLength(8);
    expect(graph.edges).toContainEqual({ source: 'fetch_1', sourceHandle: 'out', target: 'check_1' });
    expect(graph.nodes.find((node) => node.id === 'fetch_1')?.position).toEqual(at(340, 40));
    // A second paste of the same clip clashes again and gets the next ids.
    expect(store.getState().paste(parsed as Graph, { at: at(0, 500) })).toEqual([
      'fetch_2',
      'check_2',
      'done_2',
    ]);
    expect(store.getState().graph.nodes.find((node) => node.id === 'fetch_2')?.position).toEqual(at(0, 500));
  });

  it('never gives a pasted node an id another pasted node has', () => {
    const graph: Graph = { nodes: [{ id: 'script_1', type: 'script', params: { code: '' } }], edges: [] };
    const clip: Graph = {
      nodes: [
        { id: 'script_1', type: 'script', params: { code: '' } },
        { id: 'script_2', type: 'script', params: { code: '' } },
      ],
      edges: [{ source: 'script_1', sourceHandle: 'out', target: 'script_2' }],
    };
    expect([...pasteIds(graph, clip)]).toEqual([
      ['script_1', 'script_3'],
      ['script_2', 'script_2'],
    ]);
  });

  it('ignores clipboard text that is not a graph', () => {
    expect(parseClipboardGraph('hello')).toBeNull();
    expect(parseClipboardGraph('{"nodes": []}')).toBeNull();
    expect(parseClipboardGraph('{"nodes": [{"id": "X", "type": "end"}]}')).toBeNull();
  });

  it('lists the upstream nodes of a node, for expressions', () => {
    expect(upstreamOf(sample(), 'check')).toEqual(['hook', 'fetch']);
    expect(upstreamOf(sample(), 'hook')).toEqual([]);
  });
});

describe('layout', () => {
  it('lays a messy graph out left to right, no two nodes on one spot', () => {
    const messy = sample();
    messy.edges.push(
      { source: 'check', sourceHandle: 'true', target: 'done' },
      { source: 'fetch', sourceHandle: 'error', target: 'failed' },
    );
    for (const node of messy.nodes) node.position = at(0, 0);
    const positions = layoutPositions(messy);
    for (const edge of messy.edges)
      expect(positions[edge.target]!.x).toBeGreaterThan(positions[edge.source]!.x);
    const spots = new Set(Object.values(positions).map((position) => `${position.x},${position.y}`));
    expect(spots.size).toBe(messy.nodes.length);
    for (const position of Object.values(positions)) expect(position.x % 20).toBe(0);
  });
});
