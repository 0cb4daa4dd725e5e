import {
  graphSchema,
  RESERVED_NODE_IDS,
  type Graph,
  type GraphEdge,
  type GraphNode,
} from '@/engine/graph/model';
import { findNodeType } from '@/engine/nodes';

/**
 * Pure operations on Flowline's graph format for the canvas: new ids, the checks an edge must pass
 * before it is drawn, sub-graphs for the clipboard and pasting them back. No React, no React Flow:
 * the store (store.ts) calls these, and tests call them directly.
 */

export type Position = { x: number; y: number };
export type EdgeRef = Pick<GraphEdge, 'source' | 'sourceHandle' | 'target'>;

/** React Flow's id of an edge: one edge per source handle and target. */
export function edgeId(edge: EdgeRef): string {
  return `${edge.source}:${edge.sourceHandle}->${edge.target}`;
}

/** A readable id not in use: `connection_1`, `connection_2`, ... (from a base such as a type or an old id). */
export function uniqueNodeId(base: string, taken: ReadonlySet<string>): string {
  const stem = base.replace(/_\d+$/, '') || 'node';
  for (let n = 1; ; n++) {
    const id = `${stem}_${n}`;
    if (!taken.has(id) && !RESERVED_NODE_IDS.has(id)) return id;
  }
}

/** The params a node starts with: enough to show what it does; what is missing is reported at its field. */
export function defaultParams(type: string, id: string): Record<string, unknown> {
  switch (type) {
    case 'webhook':
      return { name: id.replace(/_/g, '-') };
    case 'schedule':
      return { cron: '0 * * * *' };
    case 'flow':
      return { flow: '' };
    case 'connection':
      return { connector_type: 'REST', inputs: {} };
    case 'script':
      return { code: 'return input;' };
    case 'condition':
      return { expression: 'true' };
    case 'end':
      return { status: 'success' };
    default:
      return {};
  }
}

/** The handles edges may leave a node by, from its type and params (none for an unknown type). */
export function handlesOf(node: GraphNode) {
  const definition = findNodeType(node.type);
  if (!definition) return [];
  try {
    return definition.outputs(node.params);
  } catch {
    return [];
  }
}

/** True when `to` can be reached from `from` along the edges. */
function reaches(edges: readonly GraphEdge[], from: string, to: string): boolean {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.source, [...(next.get(edge.source) ?? []), edge.target]);
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === to) return true;
    for (const target of next.get(id) ?? []) {
      if (!seen.has(target)) {
        seen.add(target);
        stack.push(target);
      }
    }
  }
  return false;
}

/** Why an edge may not be drawn, or null when it may: the validator's rules, asked before the edge exists. */
export function connectionRefusal(graph: Graph, edge: EdgeRef): string | null {
  const source = graph.nodes.find((node) => node.id === edge.source);
  const target = graph.nodes.find((node) => node.id === edge.target);
  if (!source || !target) return 'both ends must be nodes of this flow';
  if (edge.source === edge.target) return `'${edge.source}' cannot lead to itself`;
  if (findNodeType(target.type)?.trigger)
    return `'${target.id}' is a trigger: it starts the flow, so no edge may lead into it`;
  const handles = handlesOf(source);
  const handle = handles.find((candidate) => candidate.id === edge.sourceHandle);
  if (!handle) {
    const names = handles.map((candidate) => candidate.id).join(', ') || 'none';
    return `'${source.id}' has no '${edge.sourceHandle}' handle (its handles: ${names})`;
  }
  const leaving = graph.edges.filter(
    (other) => other.source === edge.source && other.sourceHandle === edge.sourceHandle,
  );
  if (leaving.some((other) => other.target === edge.target))
    return `'${source.id}' (${handle.label}) leads to '${target.id}' already`;
  if (handle.max !== undefined && leaving.length >= handle.max)
    return `the '${handle.id}' handle of '${source.id}' takes ${handle.max} edge${handle.max === 1 ? '' : 's'}, and it has one`;
  if (reaches(graph.edges, edge.target, edge.source))
    return `'${target.id}' leads back to '${source.id}': a flow's edges may not form a cycle`;
  return null;
}

/** The selected nodes and the edges between them, as a graph of its own (what Ctrl+C puts on the clipboard). */
export function subgraph(graph: Graph, ids: ReadonlySet<string>): Graph {
  return {
    nodes: graph.nodes.filter((node) => ids.has(node.id)),
    edges: graph.edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target)),
  };
}

/** Clipboard text as a graph, or null when it is not a Flowline graph. */
export function parseClipboardGraph(text: string): Graph | null {
  try {
    const parsed = graphSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.nodes.length > 0 ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The id each pasted node gets: its own when free, else a fresh one that neither the graph nor the
 * clipboard uses (so renaming the clipboard's nodes one by one never meets another of its ids).
 */
export function pasteIds(graph: Graph, clip: Graph): Map<string, string> {
  const inGraph = new Set(graph.nodes.map((node) => node.id));
  const taken = new Set([...inGraph, ...clip.nodes.map((node) => node.id)]);
  const renamed = new Map<string, string>();
  for (const node of clip.nodes) {
    const id = inGraph.has(node.id) ? uniqueNodeId(node.id, taken) : node.id;
    taken.add(id);
    renamed.set(node.id, id);
  }
  return renamed;
}

/**
 * Adds a copied sub-graph: each id already in use gets a fresh one (`script_1` → `script_2`), the
 * edges between the pasted nodes follow their nodes, and the nodes are placed at `offset` from where
 * they were (or with their top-left node at `at`).
 */
export function pasteInto(
  graph: Graph,
  clip: Graph,
  placement: { offset: Position } | { at: Position },
): { graph: Graph; ids: string[]; renamed: Map<string, string> } {
  const renamed = pasteIds(graph, clip);
  const positions = clip.nodes.map((node) => node.position ?? { x: 0, y: 0 });
  const left = Math.min(...positions.map((position) => position.x));
  const top = Math.min(...positions.map((position) => position.y));
  const shift =
    'offset' in placement ? placement.offset : { x: placement.at.x - left, y: placement.at.y - top };
  const nodes = clip.nodes.map((node, index) => {
    const position = positions[index] as Position;
    return {
      ...node,
      id: renamed.get(node.id) as string,
      position: { x: position.x + shift.x, y: position.y + shift.y },
      params: structuredClone(node.params),
    };
  });
  const edges = clip.edges
    .filter((edge) => renamed.has(edge.source) && renamed.has(edge.target))
    .map((edge) => ({
      source: renamed.get(edge.source) as string,
      sourceHandle: edge.sourceHandle,
      target: renamed.get(edge.target) as string,
    }));
  return {
    graph: { nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges] },
    ids: nodes.map((node) => node.id),
    renamed,
  };
}

/** The ids upstream of a node (every node with a path to it): what its expressions may read. */
export function upstreamOf(graph: Graph, id: string): string[] {
  const previous = new Map<string, string[]>();
  for (const edge of graph.edges)
    previous.set(edge.target, [...(previous.get(edge.target) ?? []), edge.source]);
  const seen = new Set<string>();
  const stack = [...(previous.get(id) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(previous.get(next) ?? []));
  }
  return graph.nodes.map((node) => node.id).filter((candidate) => seen.has(candidate));
}
