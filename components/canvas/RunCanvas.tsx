'use client';

import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  type Edge,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo, useState, useSyncExternalStore } from 'react';
import type { Graph, GraphEdge } from '@/engine/graph/model';
import { CanvasStoresProvider } from './context';
import { deriveEdges, deriveNodes } from './derive';
import { nodeTypesForReactFlow, type FlowNode } from './NodeCard';
import { NodeStatusProvider, type NodeStatusSource } from './node-status';
import { createCanvasStore } from './store';
import { createCanvasUiStore } from './ui-store';
import styles from './canvas.module.css';

const FIT_VIEW_OPTIONS = { maxZoom: 1, minZoom: 0.2, padding: 0.15 };
const PRO_OPTIONS = { hideAttribution: true };
const CULL_ABOVE_NODES = 300;

/**
 * A graph as one execution ran it: the drawing, read-only, with each node's state from `status` (a
 * live or finished run) and the edges the run took drawn as taken, animated while their target runs.
 * Clicking a node selects it for the page to show its details.
 */
export function RunCanvas({
  graph,
  status,
  selected,
  onSelect,
}: {
  graph: Graph;
  status: NodeStatusSource;
  selected: string | null;
  onSelect: (nodeId: string | null) => void;
}) {
  // The node cards read the canvas stores (findings); a run has none, so these stay empty.
  const [stores] = useState(() => ({ model: createCanvasStore(graph), ui: createCanvasUiStore() }));
  const nodes = useMemo(
    () => deriveNodes(graph.nodes, [], new Set(selected ? [selected] : [])),
    [graph.nodes, selected],
  );
  return (
    <CanvasStoresProvider stores={stores}>
      <NodeStatusProvider source={status}>
        <ReactFlowProvider>
          <div className={styles.canvas} data-testid="run-canvas">
            <RunFlow graph={graph} nodes={nodes} status={status} onSelect={onSelect} />
          </div>
        </ReactFlowProvider>
      </NodeStatusProvider>
    </CanvasStoresProvider>
  );
}

function RunFlow({
  graph,
  nodes,
  status,
  onSelect,
}: {
  graph: Graph;
  nodes: FlowNode[];
  status: NodeStatusSource;
  onSelect: (nodeId: string | null) => void;
}) {
  // Edges change with the run: re-derived when any node's state changes (one pass over the edges).
  const version = useSyncExternalStore(
    status.subscribe,
    () => edgeStates(graph.edges, status),
    () => '',
  );
  const edges = useMemo(() => takenEdges(graph.edges, status), [graph.edges, status, version]); // eslint-disable-line react-hooks/exhaustive-deps -- `version` is what changes
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypesForReactFlow}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable
      edgesFocusable={false}
      onNodeClick={(_, node) => onSelect(node.id)}
      onPaneClick={() => onSelect(null)}
      fitView
      fitViewOptions={FIT_VIEW_OPTIONS}
      onlyRenderVisibleElements={graph.nodes.length > CULL_ABOVE_NODES}
      proOptions={PRO_OPTIONS}
      minZoom={0.1}
    >
      <Background variant={BackgroundVariant.Dots} gap={20} />
      <Controls showInteractive={false} />
      <MiniMap pannable zoomable />
    </ReactFlow>
  );
}

/** A string that changes exactly when an edge's drawing would: for useSyncExternalStore. */
function edgeStates(edges: readonly GraphEdge[], status: NodeStatusSource): string {
  return edges.map((edge) => edgeState(edge, status)).join('');
}

type EdgeState = 'idle' | 'taken' | 'flowing';

/**
 * Whether the run went along an edge: its source ended on that handle and its target ran (or runs).
 * A condition's branch not taken, or the error edge of a node that succeeded, stays idle.
 */
function edgeState(edge: GraphEdge, status: NodeStatusSource): EdgeState {
  const target = status.get(edge.target);
  if (!target || target === 'skipped') return 'idle';
  const source = status.run?.(edge.source);
  if (!source || source.status === 'running' || source.status === 'skipped') return 'idle';
  if ((source.handle ?? 'out') !== edge.sourceHandle) return 'idle';
  return target === 'running' ? 'flowing' : 'taken';
}

function takenEdges(edges: readonly GraphEdge[], status: NodeStatusSource): Edge[] {
  return deriveEdges(edges, [], null).map((edge, at) => {
    const state = edgeState(edges[at] as GraphEdge, status);
    return {
      ...edge,
      animated: state === 'flowing',
      className: `${edge.className ?? ''} ${state === 'idle' ? styles.edgeIdle : styles.edgeTaken}`,
      focusable: false,
    };
  });
}
