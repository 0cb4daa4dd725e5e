import type { Edge } from '@xyflow/react';
import type { GraphEdge, GraphNode } from '@/engine/graph/model';
import { edgeId } from './graph-ops';
import type { FlowNode } from './NodeCard';

/**
 * React Flow's nodes from the model's. A node whose model object is unchanged keeps its React Flow
 * object (React Flow then skips it: its identity is how it tells); a changed one keeps what only React
 * Flow knows (selected, measured). `select`, when given, replaces the selection.
 */
export function deriveNodes(
  model: readonly GraphNode[],
  previous: readonly FlowNode[],
  select: ReadonlySet<string> | null,
): FlowNode[] {
  const byId = new Map(previous.map((node) => [node.id, node]));
  return model.map((node) => {
    const before = byId.get(node.id);
    const selected = select ? select.has(node.id) : (before?.selected ?? false);
    if (before && before.data.node === node && before.selected === selected) return before;
    return {
      id: node.id,
      type: 'flowline',
      position: node.position ?? { x: 0, y: 0 },
      data: { node },
      selected,
      ...(before?.measured && { measured: before.measured }),
    };
  });
}

export function deriveEdges(
  model: readonly GraphEdge[],
  previous: readonly Edge[],
  select: ReadonlySet<string> | null,
): Edge[] {
  const byId = new Map(previous.map((edge) => [edge.id, edge]));
  return model.map((edge) => {
    const id = edgeId(edge);
    const before = byId.get(id);
    const selected = select ? select.has(id) : (before?.selected ?? false);
    if (before && before.selected === selected) return before;
    return {
      id,
      source: edge.source,
      sourceHandle: edge.sourceHandle,
      target: edge.target,
      selected,
      className: `edge-${edge.sourceHandle}`,
    };
  });
}
