import { z } from 'zod';
import { findNodeType } from '../nodes';
import type { NodeType } from '../nodes/types';
import { NODE_HANDLES, type Graph, type GraphEdge, type GraphNode } from './model';
import { canonicalTemplate } from './template';

/**
 * The one spelling of a graph: what is stored, exported and compiled, so the same graph is always
 * the same JSON and the same code (and graph -> code -> graph is the identity).
 * - nodes in a stable topological order: by their given order wherever the edges allow;
 * - edges sorted by target, then source, then handle (the order of the compiled `after` lists);
 * - keys in a fixed order: a node's id, type, position, notes, params; params in their schema's order;
 * - every `{{ expression }}` spelled with one space inside its braces; -0 positions as 0.
 * Nodes in a cycle keep their given order after the rest (the validator reports the cycle).
 */
export function canonicalizeGraph(graph: Graph): Graph {
  const nodes = topologicalOrder(graph).map(canonicalNode);
  const index = new Map(nodes.map((node, at) => [node.id, at]));
  const at = (id: string) => index.get(id) ?? Number.MAX_SAFE_INTEGER;
  const edges = graph.edges
    .map((edge): GraphEdge => ({ source: edge.source, sourceHandle: edge.sourceHandle, target: edge.target }))
    .sort(
      (a, b) =>
        at(a.target) - at(b.target) ||
        at(a.source) - at(b.source) ||
        NODE_HANDLES.indexOf(a.sourceHandle) - NODE_HANDLES.indexOf(b.sourceHandle) ||
        compareText(a.target, b.target) ||
        compareText(a.source, b.source),
    );
  return { nodes, edges };
}

/** Kahn's algorithm, always taking the earliest-given node that is ready: stable for ordered input. */
export function topologicalOrder(graph: Graph): GraphNode[] {
  const position = new Map<string, number>();
  graph.nodes.forEach((node, at) => {
    if (!position.has(node.id)) position.set(node.id, at);
  });
  const incoming = new Map<number, number>();
  const outgoing = new Map<number, number[]>();
  for (const edge of graph.edges) {
    const from = position.get(edge.source);
    const to = position.get(edge.target);
    if (from === undefined || to === undefined) continue;
    incoming.set(to, (incoming.get(to) ?? 0) + 1);
    const targets = outgoing.get(from);
    if (targets) targets.push(to);
    else outgoing.set(from, [to]);
  }
  const ready = new MinHeap();
  graph.nodes.forEach((_, at) => {
    if (!incoming.get(at)) ready.push(at);
  });
  const order: GraphNode[] = [];
  const placed = new Set<number>();
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    order.push(graph.nodes[next] as GraphNode);
    placed.add(next);
    for (const to of outgoing.get(next) ?? []) {
      const left = (incoming.get(to) ?? 0) - 1;
      incoming.set(to, left);
      if (left === 0) ready.push(to);
    }
  }
  graph.nodes.forEach((node, at) => {
    if (!placed.has(at)) order.push(node);
  });
  return order;
}

function canonicalNode(node: GraphNode): GraphNode {
  const definition = findNodeType(node.type);
  return {
    id: node.id,
    type: node.type,
    ...(node.position && { position: { x: node.position.x + 0, y: node.position.y + 0 } }),
    ...(node.notes !== undefined && node.notes !== '' && { notes: oneKindOfLineBreak(node.notes) }),
    params: definition ? canonicalParams(definition, node.params) : node.params,
  };
}

/** Params in the schema's key order (unknown keys after, for the validator to name), undefined left out. */
export function canonicalParams(
  definition: NodeType,
  params: Record<string, unknown>,
): Record<string, unknown> {
  const keys = schemaKeys(definition.params);
  const ordered = [
    ...keys.filter((key) => key in params),
    ...Object.keys(params).filter((key) => !keys.includes(key)),
  ];
  const plain = definition.plainParams;
  const result: Record<string, unknown> = {};
  for (const key of ordered) {
    const value = params[key];
    if (value === undefined) continue;
    result[key] = plain === 'all' || plain?.includes(key) ? value : canonicalTemplates(value);
  }
  return result;
}

/** Notes become line comments, which any of JavaScript's line terminators would end: all become \n. */
function oneKindOfLineBreak(text: string): string {
  return text.replace(/\r\n|[\r\u2028\u2029]/g, '\n');
}

function canonicalTemplates(value: unknown): unknown {
  if (typeof value === 'string') return canonicalTemplate(value);
  if (Array.isArray(value)) return value.map(canonicalTemplates);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, canonicalTemplates(item)]));
  }
  return value;
}

function schemaKeys(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A binary heap of numbers, smallest first: Kahn's ready set, so 5,000 nodes sort in n log n. */
class MinHeap {
  private items: number[] = [];

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let at = items.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((items[parent] as number) <= value) break;
      items[at] = items[parent] as number;
      at = parent;
    }
    items[at] = value;
  }

  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let at = 0;
    for (;;) {
      const left = at * 2 + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && (items[right] as number) < (items[left] as number) ? right : left;
      if ((items[child] as number) >= last) break;
      items[at] = items[child] as number;
      at = child;
    }
    items[at] = last;
    return top;
  }
}
