'use client';

import { Background, BackgroundVariant, Controls, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useMemo, useState } from 'react';
import type { Graph } from '@/engine/graph/model';
import { useTheme } from '../ui/theme';
import { CanvasStoresProvider } from './context';
import { deriveEdges, deriveNodes } from './derive';
import { GRID } from './layout';
import { nodeTypesForReactFlow } from './NodeCard';
import { NodeStatusProvider } from './node-status';
import { createCanvasStore } from './store';
import { createCanvasUiStore } from './ui-store';
import styles from './canvas.module.css';

const FIT_VIEW_OPTIONS = { maxZoom: 1, minZoom: 0.05, padding: 0.1 };
const PRO_OPTIONS = { hideAttribution: true };

/**
 * A graph drawn read-only (an earlier version): the editor's node cards, no dragging, wiring or
 * selecting; panning and zooming only. It has its own React Flow and canvas stores, so it never mixes
 * with the editor it may be opened from, and no run's node statuses.
 */
export default function GraphPreview({ graph }: { graph: Graph }) {
  // The cards read findings from a canvas ui store: an empty one, as a stored version's are not checked here.
  const [stores] = useState(() => ({ model: createCanvasStore(graph), ui: createCanvasUiStore() }));
  const nodes = useMemo(() => deriveNodes(graph.nodes, [], null), [graph]);
  const edges = useMemo(() => deriveEdges(graph.edges, [], null), [graph]);
  const theme = useTheme();
  return (
    <CanvasStoresProvider stores={stores}>
      <NodeStatusProvider source={null}>
        <ReactFlowProvider>
          <div className={styles.canvas} data-testid="version-drawing">
            <ReactFlow
              nodes={nodes}
              edges={edges}
              nodeTypes={nodeTypesForReactFlow}
              nodesDraggable={false}
              nodesConnectable={false}
              elementsSelectable={false}
              deleteKeyCode={null}
              fitView
              fitViewOptions={FIT_VIEW_OPTIONS}
              minZoom={0.05}
              colorMode={theme}
              proOptions={PRO_OPTIONS}
            >
              <Background variant={BackgroundVariant.Dots} gap={GRID} size={1} />
              <Controls position="bottom-left" showInteractive={false} />
            </ReactFlow>
          </div>
        </ReactFlowProvider>
      </NodeStatusProvider>
    </CanvasStoresProvider>
  );
}
