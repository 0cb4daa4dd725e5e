'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import type { Graph } from '@/engine/graph/model';
import { findNodeType } from '@/engine/nodes';
import type { LiveNode } from '@/server/live';
import { RunCanvas } from '../canvas/RunCanvas';
import type { NodeRun, NodeStatusSource } from '../canvas/node-status';
import { useTRPC } from '../trpc';
import { StatusBadge } from './Badges';
import { ExecutionLogs } from './ExecutionLogs';
import styles from './executions.module.css';
import { elapsedMs, formatDuration } from './format';
import { JsonBlock } from './JsonBlock';
import { useLiveExecution, useLiveNode } from './live';
import type { TreeStore } from './live-store';

type Shown = { executionId: string; name: string };

/**
 * A graph flow's execution on its canvas, live (docs/canvas.md, "The live view"): each node in the
 * state the run left it, the edges taken, each node's details on a click. A child flow opens in place,
 * its own graph, from the same live tree; a breadcrumb leads back up.
 */
export function ExecutionGraph({
  store,
  execution,
  graph,
  flowName,
}: {
  store: TreeStore;
  execution: Shown;
  graph: Graph;
  flowName: string | null;
}) {
  const [stack, setStack] = useState<Shown[]>([execution]);
  const shown = stack[stack.length - 1] ?? execution;
  const open = (child: Shown) => setStack((current) => [...current, child]);
  return (
    <section className={styles.section} aria-label="Graph">
      <div className={styles.graphHead}>
        <h2 className={styles.sectionTitle}>Graph</h2>
        <nav className={styles.graphCrumbs} aria-label="Opened flows">
          {stack.map((entry, at) => (
            <span key={entry.executionId}>
              {at > 0 && ' › '}
              {at === stack.length - 1 ? (
                <strong>{entry.name}</strong>
              ) : (
                <button
                  type="button"
                  className={styles.crumbButton}
                  onClick={() => setStack(stack.slice(0, at + 1))}
                >
                  {entry.name}
                </button>
              )}
            </span>
          ))}
        </nav>
        {flowName && stack.length === 1 && (
          <Link className="button button-small" href={`/flows/${encodeURIComponent(flowName)}`}>
            Back to editing
          </Link>
        )}
      </div>
      {shown.executionId === execution.executionId ? (
        <GraphOfExecution
          key={shown.executionId}
          store={store}
          executionId={shown.executionId}
          graph={graph}
          onOpen={open}
        />
      ) : (
        <ChildGraph key={shown.executionId} store={store} executionId={shown.executionId} onOpen={open} />
      )}
    </section>
  );
}

/** A child flow's graph: its execution's exact version, read when it is opened. */
function ChildGraph({
  store,
  executionId,
  onOpen,
}: {
  store: TreeStore;
  executionId: string;
  onOpen: (child: Shown) => void;
}) {
  const trpc = useTRPC();
  const details = useQuery(trpc.executions.get.queryOptions({ id: executionId }));
  if (!details.data) return <p className="muted">Loading the child flow…</p>;
  if (!details.data.graph)
    return <p className="muted">This child is a code flow: open it from the tree below.</p>;
  return (
    <GraphOfExecution store={store} executionId={executionId} graph={details.data.graph} onOpen={onOpen} />
  );
}

function GraphOfExecution({
  store,
  executionId,
  graph,
  onOpen,
}: {
  store: TreeStore;
  executionId: string;
  graph: Graph;
  onOpen: (child: Shown) => void;
}) {
  const [selected, setSelected] = useState<string | null>(null);
  const status = useMemo(() => nodeStatusOf(store, executionId, graph), [store, executionId, graph]);
  return (
    <div className={`card ${styles.graphCard}`}>
      <div className={styles.graphArea}>
        <RunCanvas graph={graph} status={status} selected={selected} onSelect={setSelected} />
      </div>
      {selected && (
        <NodeDetails
          key={selected}
          store={store}
          executionId={executionId}
          nodeId={selected}
          type={graph.nodes.find((node) => node.id === selected)?.type ?? ''}
          onOpen={onOpen}
          onClose={() => setSelected(null)}
        />
      )}
    </div>
  );
}

/**
 * The canvas's view of the live tree's node records for one execution. `run` hands out one object per
 * record (the store keeps a record's object until it changes), so a card re-renders only on its change.
 */
function nodeStatusOf(store: TreeStore, executionId: string, graph: Graph): NodeStatusSource {
  const types = new Map(graph.nodes.map((node) => [node.id, node.type]));
  const runs = new WeakMap<LiveNode, NodeRun>();
  const runOf = (record: LiveNode): NodeRun => {
    let run = runs.get(record);
    if (!run) {
      run = {
        status: record.status,
        started_at: record.started_at,
        ended_at: record.ended_at,
        attempts: record.attempts,
        handle: handleOf(record, types.get(record.node_id)),
      };
      runs.set(record, run);
    }
    return run;
  };
  return {
    get: (nodeId) => store.getNode(executionId, nodeId)?.status,
    run: (nodeId) => {
      const record = store.getNode(executionId, nodeId);
      return record && runOf(record);
    },
    subscribe: store.subscribe,
  };
}

function handleOf(record: LiveNode, type: string | undefined): NodeRun['handle'] {
  if (record.status === 'error') return 'error';
  if (type === 'condition' && typeof record.output_value === 'boolean')
    return record.output_value ? 'true' : 'false';
  return 'out';
}

/** A node's run: its state and times, and what its child execution took and gave (input, output, logs). */
function NodeDetails({
  store,
  executionId,
  nodeId,
  type,
  onOpen,
  onClose,
}: {
  store: TreeStore;
  executionId: string;
  nodeId: string;
  type: string;
  onOpen: (child: Shown) => void;
  onClose: () => void;
}) {
  const record = useLiveNode(store, executionId, nodeId);
  const child = useLiveExecution(store, record?.child_id ?? '');
  const definition = findNodeType(type);
  const took = record ? elapsedMs(record.started_at, record.ended_at, null) : null;
  return (
    <aside className={styles.nodePanel} aria-label={`Node ${nodeId}`} data-testid="node-details">
      <header className={styles.nodePanelHead}>
        <div>
          <strong>{nodeId}</strong> <span className="muted">{definition?.title ?? type}</span>
        </div>
        <button
          type="button"
          className="button button-small button-ghost"
          onClick={onClose}
          aria-label="Close"
        >
          ×
        </button>
      </header>
      {!record ? (
        <p className="muted">Not run (yet).</p>
      ) : (
        <dl className={`meta ${styles.nodeMeta}`}>
          <div>
            <dt>State</dt>
            <dd data-testid="node-state">{record.status}</dd>
          </div>
          <div>
            <dt>Took</dt>
            <dd>{took === null ? (record.status === 'running' ? 'running' : '—') : formatDuration(took)}</dd>
          </div>
          {record.attempts > 1 && (
            <div>
              <dt>Attempts</dt>
              <dd>{record.attempts}</dd>
            </div>
          )}
        </dl>
      )}
      {record?.error && (
        <div className={styles.errorBox} role="alert" aria-label="Node error">
          <div className={styles.errorHead}>
            {record.error.name}: {record.error.message}
          </div>
        </div>
      )}
      {record?.child_id ? (
        <ChildOfNode
          childId={record.child_id}
          childName={child?.name ?? nodeId}
          childType={child?.type}
          status={child?.status}
          onOpen={onOpen}
        />
      ) : (
        record && (
          <>
            <h3 className={styles.sectionTitle}>Output</h3>
            <JsonBlock value={record.output_value ?? null} label="Node output" emptyText="No output" />
          </>
        )
      )}
    </aside>
  );
}

/** The child execution a step node started: its input, output and logs, read again as its state changes. */
function ChildOfNode({
  childId,
  childName,
  childType,
  status,
  onOpen,
}: {
  childId: string;
  childName: string;
  childType: string | undefined;
  status: string | undefined;
  onOpen: (child: Shown) => void;
}) {
  const trpc = useTRPC();
  const details = useQuery(trpc.executions.get.queryOptions({ id: childId }));
  const { refetch } = details;
  // A new state of the child: read its output and logs again.
  useEffect(() => {
    if (status) void refetch();
  }, [status, refetch]);
  const data = details.data;
  return (
    <div className={styles.section}>
      <div className={styles.nodeChild}>
        {status && <StatusBadge status={status} />}
        {childType === 'FLOW' && data?.graph ? (
          <button
            type="button"
            className="button button-small"
            onClick={() => onOpen({ executionId: childId, name: childName })}
          >
            Open {childName}
          </button>
        ) : null}
        <Link href={`/executions/${childId}`}>execution page</Link>
      </div>
      <h3 className={styles.sectionTitle}>Input</h3>
      <JsonBlock value={data?.execution.input_value ?? null} label="Node input" emptyText="No input" />
      <h3 className={styles.sectionTitle}>Output</h3>
      <JsonBlock value={data?.execution.output_value ?? null} label="Node output" emptyText="No output" />
      <h3 className={styles.sectionTitle}>Logs</h3>
      <ExecutionLogs logs={data?.logs ?? []} truncated={data?.logsTruncated ?? false} />
    </div>
  );
}
