'use client';

import { createContext, useCallback, useContext, useSyncExternalStore, type ReactNode } from 'react';

/**
 * The live state of each node during a run, from outside the canvas (the execution's node records).
 * The canvas only reads it: the source keeps the statuses by node id and tells its listeners when
 * any changed; each card reads its own id's, so one node's change re-renders one card.
 */
export type NodeStatus = 'running' | 'success' | 'error' | 'skipped' | 'cancelled';

/** What a run knows of a node beyond its status: shown on its card (the same object until it changes). */
export type NodeRun = {
  status: NodeStatus;
  started_at: string | null;
  ended_at: string | null;
  attempts: number;
  /** The handle the node ended on (`true`/`false` for a condition, `error` when it failed). */
  handle?: 'out' | 'true' | 'false' | 'error';
};

export type NodeStatusSource = {
  get(nodeId: string): NodeStatus | undefined;
  /** The node's run, when the source knows it (a live or finished execution). */
  run?(nodeId: string): NodeRun | undefined;
  subscribe(listener: () => void): () => void;
};

const NodeStatusContext = createContext<NodeStatusSource | null>(null);

export function NodeStatusProvider({
  source,
  children,
}: {
  source: NodeStatusSource | null;
  children: ReactNode;
}) {
  return <NodeStatusContext.Provider value={source}>{children}</NodeStatusContext.Provider>;
}

const noSubscription = () => () => {};

/** A node's live status; undefined when no run is shown (the editor's normal state). */
export function useNodeStatus(nodeId: string): NodeStatus | undefined {
  const source = useContext(NodeStatusContext);
  const subscribe = source?.subscribe ?? noSubscription;
  const read = useCallback(() => source?.get(nodeId), [source, nodeId]);
  return useSyncExternalStore(subscribe, read, () => undefined);
}

/** A node's run (times, attempts), when the source has one; undefined in the editor. */
export function useNodeRun(nodeId: string): NodeRun | undefined {
  const source = useContext(NodeStatusContext);
  const subscribe = source?.subscribe ?? noSubscription;
  const read = useCallback(() => source?.run?.(nodeId), [source, nodeId]);
  return useSyncExternalStore(subscribe, read, () => undefined);
}
