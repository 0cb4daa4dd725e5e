import type { Graph } from './model';

export const LAYOUT_COLUMN_WIDTH = 280;
export const LAYOUT_ROW_HEIGHT = 140;

/**
 * Places the nodes a client sent without a position (REST may leave them out): each in the column of
 * its longest path from a start, stacked in the order given. Nodes with a position keep it. The graph
 * must be in topological order (canonical), so a node's parents are placed before it.
 */
export function layoutMissingPositions(graph: Graph): Graph {
  if (graph.nodes.every((node) => node.position)) return graph;
  const parents = new Map<string, string[]>();
  for (const edge of graph.edges)
    parents.set(edge.target, [...(parents.get(edge.target) ?? []), edge.source]);
  const column = new Map<string, number>();
  const rows = new Map<number, number>();
  const nodes = graph.nodes.map((node) => {
    const depth = Math.max(-1, ...(parents.get(node.id) ?? []).map((parent) => column.get(parent) ?? -1)) + 1;
    column.set(node.id, depth);
    const row = rows.get(depth) ?? 0;
    rows.set(depth, row + 1);
    if (node.position) return node;
    const { id, type, notes, params } = node;
    const position = { x: depth * LAYOUT_COLUMN_WIDTH, y: row * LAYOUT_ROW_HEIGHT };
    return { id, type, position, ...(notes !== undefined && { notes }), params };
  });
  return { nodes, edges: graph.edges };
}
