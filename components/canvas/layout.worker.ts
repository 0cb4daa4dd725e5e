// Lays a large graph out off the main thread (dagre takes about a second for 1,000 nodes).
import { layoutPositions, type LayoutShape } from './layout';

self.onmessage = (event: MessageEvent<LayoutShape>) => {
  self.postMessage(layoutPositions(event.data));
};
