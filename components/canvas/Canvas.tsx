'use client';

import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  applyEdgeChanges,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type IsValidConnection,
  type NodeChange,
  type OnSelectionChangeFunc,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useCallback, useState, type DragEvent } from 'react';
import type { GraphEdge, GraphNode, NodeHandleId } from '@/engine/graph/model';
import { useTheme } from '../ui/theme';
import { useCanvas, useCanvasStore, useCanvasUi, useCanvasUiStore } from './context';
import { deriveEdges, deriveNodes } from './derive';
import { connectionRefusal, type EdgeRef } from './graph-ops';
import { GRID } from './layout';
import { nodeTypesForReactFlow, type FlowNode } from './NodeCard';
import styles from './canvas.module.css';

export const PALETTE_DRAG_TYPE = 'application/x-flowline-node';

const SNAP_GRID: [number, number] = [GRID, GRID];
const FIT_VIEW_OPTIONS = { maxZoom: 1, minZoom: 0.3, padding: 0.15 };
const DELETE_KEYS = ['Delete', 'Backspace'];
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const PRO_OPTIONS = { hideAttribution: true };
/** Above this many nodes only the visible ones are drawn (canvas-facts §2.2: measured, docs/canvas.md). */
const CULL_ABOVE_NODES = 300;

type Synced = {
  modelNodes: readonly GraphNode[];
  modelEdges: readonly GraphEdge[];
  seq: number;
  nodes: FlowNode[];
  edges: Edge[];
};

function toEdgeRef(connection: Connection | Edge): EdgeRef {
  return {
    source: connection.source,
    sourceHandle: (connection.sourceHandle ?? 'out') as NodeHandleId,
    target: connection.target,
  };
}

/**
 * The drawing: React Flow over the model. Nodes and edges come from the model (derive.ts); React Flow
 * keeps selection and a drag in progress in this component's state, and the model hears of a drag
 * once, when it ends (one undo step).
 */
export function Canvas({ onSelectionChange }: { onSelectionChange: OnSelectionChangeFunc }) {
  const store = useCanvasStore();
  const ui = useCanvasUiStore();
  const graph = useCanvas((state) => state.graph);
  const request = useCanvasUi((state) => state.selectRequest);
  const hint = useCanvasUi((state) => state.connectionHint);
  const flow = useReactFlow();
  const theme = useTheme();
  // Fit the view to the nodes a flow opens with; an empty flow keeps its view when the first node lands.
  const [fitOnOpen] = useState(() => graph.nodes.length > 0);
  const [synced, setSynced] = useState<Synced>(() => ({
    modelNodes: graph.nodes,
    modelEdges: graph.edges,
    seq: request?.seq ?? 0,
    nodes: deriveNodes(graph.nodes, [], null),
    edges: deriveEdges(graph.edges, [], null),
  }));

  // The model changed (an action, undo, a load) or a selection was asked for: derive again, during
  // render, keeping every unchanged React Flow object.
  let current = synced;
  const seq = request?.seq ?? 0;
  if (synced.modelNodes !== graph.nodes || synced.modelEdges !== graph.edges || synced.seq !== seq) {
    const select = request && seq !== synced.seq ? new Set(request.ids) : null;
    current = {
      modelNodes: graph.nodes,
      modelEdges: graph.edges,
      seq,
      nodes:
        synced.modelNodes !== graph.nodes || select
          ? deriveNodes(graph.nodes, synced.nodes, select)
          : synced.nodes,
      edges:
        synced.modelEdges !== graph.edges || select
          ? deriveEdges(graph.edges, synced.edges, select && new Set())
          : synced.edges,
    };
    setSynced(current);
  }

  // Removals go through the model (onDelete); everything else React Flow reports is its own state.
  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    const kept = changes.filter((change) => change.type !== 'remove');
    if (kept.length > 0) setSynced((state) => ({ ...state, nodes: applyNodeChanges(kept, state.nodes) }));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => {
    const kept = changes.filter((change) => change.type !== 'remove');
    if (kept.length > 0) setSynced((state) => ({ ...state, edges: applyEdgeChanges(kept, state.edges) }));
  }, []);

  const onNodeDragStop = useCallback(
    (_event: unknown, _node: FlowNode, nodes: FlowNode[]) =>
      store.getState().moveNodes(nodes.map((node) => ({ id: node.id, position: node.position }))),
    [store],
  );
  const onDelete = useCallback(
    ({ nodes, edges }: { nodes: FlowNode[]; edges: Edge[] }) =>
      store.getState().remove({ nodes: nodes.map((node) => node.id), edges: edges.map(toEdgeRef) }),
    [store],
  );

  const isValidConnection = useCallback<IsValidConnection>(
    (connection) => {
      const reason = connectionRefusal(store.getState().graph, toEdgeRef(connection));
      ui.getState().setConnectionHint(reason);
      return reason === null;
    },
    [store, ui],
  );
  const onConnect = useCallback(
    (connection: Connection) => {
      const result = store.getState().connect(toEdgeRef(connection));
      ui.getState().setConnectionHint(result.ok ? null : result.reason);
    },
    [store, ui],
  );
  const onConnectEnd = useCallback(() => ui.getState().setConnectionHint(null), [ui]);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(PALETTE_DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);
  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_DRAG_TYPE);
      if (!type) return;
      event.preventDefault();
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      const id = store.getState().addNode(type, {
        x: Math.round((at.x - 20) / GRID) * GRID,
        y: Math.round((at.y - 20) / GRID) * GRID,
      });
      ui.getState().select([id]);
    },
    [flow, store, ui],
  );

  return (
    <div className={styles.canvas} onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<FlowNode>
        nodes={current.nodes}
        edges={current.edges}
        nodeTypes={nodeTypesForReactFlow}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={onNodeDragStop}
        onSelectionChange={onSelectionChange}
        onDelete={onDelete}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        deleteKeyCode={DELETE_KEYS}
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        snapToGrid
        snapGrid={SNAP_GRID}
        fitView={fitOnOpen}
        fitViewOptions={FIT_VIEW_OPTIONS}
        minZoom={0.05}
        onlyRenderVisibleElements={graph.nodes.length > CULL_ABOVE_NODES}
        colorMode={theme}
        proOptions={PRO_OPTIONS}
      >
        <Background variant={BackgroundVariant.Dots} gap={GRID} size={1} />
        <Controls position="bottom-left" />
        <MiniMap position="bottom-right" pannable zoomable ariaLabel="Minimap" />
      </ReactFlow>
      {hint && (
        <div className={styles.connectionHint} role="status" data-testid="connection-hint">
          {hint}
        </div>
      )}
    </div>
  );
}
