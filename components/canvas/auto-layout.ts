import type { Graph } from '@/engine/graph/model';
import type { Position } from './graph-ops';
import { layoutPositions, WORKER_LAYOUT_NODES, type LayoutShape } from './layout';

/** The tidied positions: in this thread for small graphs, in a Web Worker above WORKER_LAYOUT_NODES. */
export function computeLayout(graph: Pick<Graph, 'nodes' | 'edges'>): Promise<Record<string, Position>> {
  const shape: LayoutShape = {
    nodes: graph.nodes.map(({ id }) => ({ id })),
    edges: graph.edges.map(({ source, target }) => ({ source, target })),
  };
  if (graph.nodes.length <= WORKER_LAYOUT_NODES || typeof Worker === 'undefined')
    return Promise.resolve(layoutPositions(shape));
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<Record<string, Position>>) => {
      resolve(event.data);
      worker.terminate();
    };
    worker.onerror = (event) => {
      reject(new Error(event.message || 'the layout worker failed'));
      worker.terminate();
    };
    worker.postMessage(shape);
  });
}
