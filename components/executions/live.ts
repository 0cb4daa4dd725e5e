'use client';

import { skipToken } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useEffect, useMemo, useSyncExternalStore } from 'react';
import type { ExecutionSummary } from '../../engine/executions/view';
import type { LiveExecution, LiveNode } from '../../server/live';
import { useTRPC } from '../trpc';
import { ListStore, TreeStore, type LiveConnection } from './live-store';

/**
 * The live views' hooks (docs/live.md). One subscription per page (browsers allow six connections per
 * origin across all tabs): the hook owns it and feeds a store; components select from the store.
 */

/** After an error the subscription cannot recover from itself, it starts again (from a snapshot) this soon. */
const RESTART_AFTER_ERROR_MS = 2000;

/**
 * Restarts a subscription that ended in an error. tRPC's link reconnects by itself (resuming from the
 * last id) after a dropped connection or a server error; an error it gives up on (say, a session that
 * ended) leaves the subscription in `error`, and a fresh one starts from a snapshot.
 */
function useRestartOnError(subscription: { status: string; reset: () => void }) {
  const { status, reset } = subscription;
  useEffect(() => {
    if (status !== 'error') return;
    const timer = setTimeout(reset, RESTART_AFTER_ERROR_MS);
    return () => clearTimeout(timer);
  }, [status, reset]);
}

function connectionOf(status: string): LiveConnection {
  if (status === 'pending') return 'live';
  return status === 'error' ? 'error' : 'connecting';
}

/**
 * The execution tree under `rootId`, live: a TreeStore holding every execution of the tree and every
 * node record of its graph executions, kept up to date from `executions.onTree`.
 */
export function useExecutionTreeLive(rootId: string): TreeStore {
  const trpc = useTRPC();
  // Another tree (the page moved to an execution of another root) starts from an empty store.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the root is the key
  const store = useMemo(() => new TreeStore(), [rootId]);
  const subscription = useSubscription(
    trpc.executions.onTree.subscriptionOptions(
      { rootId },
      {
        onData: (message) => store.apply(message.data),
        onConnectionStateChange: (state) => store.setConnection(connectionOf(state.state)),
      },
    ),
  );
  useRestartOnError(subscription);
  useEffect(() => store.setConnection(connectionOf(subscription.status)), [store, subscription.status]);
  return store;
}

/** One execution of a live tree; re-renders only when that execution changed. */
export function useLiveExecution(store: TreeStore, id: string): LiveExecution | undefined {
  const get = useCallback(() => store.getExecution(id), [store, id]);
  return useSyncExternalStore(store.subscribe, get, get);
}

/** Every execution of a live tree, oldest first. */
export function useLiveExecutions(store: TreeStore): readonly LiveExecution[] {
  return useSyncExternalStore(store.subscribe, store.getExecutions, store.getExecutions);
}

/** One graph node's record (by its execution and node id); re-renders only when that record changed. */
export function useLiveNode(store: TreeStore, executionId: string, nodeId: string): LiveNode | undefined {
  const get = useCallback(() => store.getNode(executionId, nodeId), [store, executionId, nodeId]);
  return useSyncExternalStore(store.subscribe, get, get);
}

/** How many log lines an execution of the tree has written so far. */
export function useLiveLogCount(store: TreeStore, executionId: string): number {
  const get = useCallback(() => store.getLogCount(executionId), [store, executionId]);
  return useSyncExternalStore(store.subscribe, get, get);
}

/** Whether the store has received its first message yet. */
export function useLiveReady(store: TreeStore): boolean {
  return useSyncExternalStore(store.subscribe, store.hasData, () => false);
}

export type ListLiveFilter = {
  flowId?: string;
  status?: ExecutionSummary['status'];
  type?: ExecutionSummary['type'];
  mode?: 'productive' | 'dev';
};

/**
 * The Executions list's live rows for the filter (executions.onList): the first page and every new or
 * changed execution since, by id. A new filter is a new subscription; null follows nothing (yet).
 */
export function useExecutionListLive(filter: ListLiveFilter | null): ReadonlyMap<string, ExecutionSummary> {
  const trpc = useTRPC();
  const key = JSON.stringify(filter);
  // Rows of another filter must not show under this one: a new filter starts an empty store.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the filter's value is the key
  const store = useMemo(() => new ListStore(), [key]);
  const subscription = useSubscription(
    trpc.executions.onList.subscriptionOptions(
      filter
        ? {
            flowId: filter.flowId,
            status: filter.status ? [filter.status] : undefined,
            type: filter.type ? [filter.type] : undefined,
            mode: filter.mode,
          }
        : skipToken,
      { onData: (message) => store.apply(message.data) },
    ),
  );
  useRestartOnError(subscription);
  return useSyncExternalStore(store.subscribe, store.getRows, store.getRows);
}
