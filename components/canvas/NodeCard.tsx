'use client';

import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo, useMemo } from 'react';
import type { GraphNode } from '@/engine/graph/model';
import { findNodeType } from '@/engine/nodes';
import { useCanvasUi } from './context';
import { handlesOf } from './graph-ops';
import { useNodeRun, useNodeStatus, type NodeRun } from './node-status';
import { NodeIcon } from './NodeIcon';
import { formatDuration } from '../executions/format';
import styles from './canvas.module.css';

export type FlowNodeData = { node: GraphNode };
export type FlowNode = Node<FlowNodeData, 'flowline'>;

function summaryOf(node: GraphNode): string {
  try {
    return findNodeType(node.type)?.summary(node.params as never) ?? '';
  } catch {
    return ''; // params not of the type's shape yet: the findings say why
  }
}

/**
 * One node on the canvas: its type's icon, its id, the one-line summary, its findings, its handles.
 * Memoized, and everything it derives depends on its own graph node only (the model keeps a node's
 * object while it is unchanged), so dragging or editing one node re-renders one card.
 */
export const NodeCard = memo(function NodeCard({ id, data, selected }: NodeProps<FlowNode>) {
  const { node } = data;
  const definition = findNodeType(node.type);
  const summary = useMemo(() => summaryOf(node), [node]);
  const handles = useMemo(() => handlesOf(node), [node]);
  const issues = useCanvasUi((state) => state.issuesByNode[id]);
  const status = useNodeStatus(id);
  const run = useNodeRun(id);
  const errors = issues?.filter((issue) => issue.severity === 'error') ?? [];
  const warnings = issues?.filter((issue) => issue.severity === 'warning') ?? [];
  const labelled = handles.length > 1;

  return (
    <div
      className={styles.node}
      data-testid="canvas-node"
      data-node-id={id}
      data-selected={selected || undefined}
      data-invalid={errors.length > 0 || undefined}
      data-status={status}
      data-category={definition?.category}
    >
      {!definition?.trigger && <Handle type="target" position={Position.Left} className={styles.handle} />}
      <div className={styles.nodeHead}>
        <span className={styles.nodeIcon}>
          <NodeIcon name={definition?.icon ?? ''} />
        </span>
        <span className={styles.nodeId}>{id}</span>
        <span className={styles.nodeType}>{definition?.title ?? node.type}</span>
      </div>
      <div className={styles.nodeSummary} title={summary}>
        {summary || '\u00a0'}
      </div>
      {run && <RunLine run={run} />}
      {(errors.length > 0 || warnings.length > 0) && (
        <div
          className={errors.length > 0 ? styles.nodeError : styles.nodeWarning}
          data-testid="node-issue"
          title={[...errors, ...warnings].map((issue) => issue.message).join('\n')}
        >
          {(errors[0] ?? warnings[0])?.message}
          {errors.length + warnings.length > 1 && ` (+${errors.length + warnings.length - 1})`}
        </div>
      )}
      {handles.map((handle, index) => {
        const top = `${((index + 1) / (handles.length + 1)) * 100}%`;
        return (
          <div key={handle.id}>
            <Handle
              type="source"
              id={handle.id}
              position={Position.Right}
              className={styles.handle}
              data-handle-kind={handle.id}
              style={{ top }}
              title={handle.label}
            />
            {labelled && (
              <span className={styles.handleLabel} data-handle-kind={handle.id} style={{ top }}>
                {handle.label}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
});

/** A run's status, how long the node took (or that it runs), and its attempts when it retried. */
function RunLine({ run }: { run: NodeRun }) {
  const took =
    run.started_at && run.ended_at
      ? formatDuration(Date.parse(run.ended_at) - Date.parse(run.started_at))
      : null;
  const text = [STATUS_TEXT[run.status], took, run.attempts > 1 ? `${run.attempts} attempts` : null]
    .filter(Boolean)
    .join(' · ');
  return (
    <div className={styles.nodeRun} data-testid="node-run">
      {text}
    </div>
  );
}

const STATUS_TEXT: Record<NodeRun['status'], string> = {
  running: 'Running',
  success: 'Succeeded',
  error: 'Failed',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
};

export const nodeTypesForReactFlow = { flowline: NodeCard };
