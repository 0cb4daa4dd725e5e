import dagre from '@dagrejs/dagre';
import type { Position } from './graph-ops';

/** The size the layout gives every node card (NodeCard.tsx draws about this). */
export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 84;
export const GRID = 20;

/** Graphs larger than this are laid out in a Web Worker (layout.worker.ts), so the page keeps responding. */
export const WORKER_LAYOUT_NODES = 200;

/** What the layout reads of a graph: the ids and the edges. */
export type LayoutShape = {
  nodes: readonly { id: string }[];
  edges: readonly { source: string; target: string }[];
};

/**
 * Tidies a graph up: dagre's layered layout, left to right, each node's top-left corner on the grid.
 * Only the positions are computed; the store applies them as one undo step.
 */
export function layoutPositions(graph: LayoutShape): Record<string, Position> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 80, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graph.edges) g.setEdge(edge.source, edge.target);
  dagre.layout(g);
  const snap = (value: number) => Math.round(value / GRID) * GRID;
  const positions: Record<string, Position> = {};
  for (const node of graph.nodes) {
    const placed = g.node(node.id);
    positions[node.id] = { x: snap(placed.x - NODE_WIDTH / 2), y: snap(placed.y - NODE_HEIGHT / 2) };
  }
  return positions;
}
