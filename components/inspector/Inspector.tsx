'use client';

import { ScheduleNextRuns } from '../triggers/NextRuns';
import { WebhookUrl } from './WebhookUrl';
import { useMemo, useState } from 'react';
import { findNodeType } from '@/engine/nodes';
import { useCanvas, useCanvasStore, useCanvasUi, useCanvasUiStore } from '../canvas/context';
import { upstreamOf } from '../canvas/graph-ops';
import { NodeIcon } from '../canvas/NodeIcon';
import { NO_ISSUES } from '../canvas/ui-store';
import type { RenameNode } from '../canvas/store';
import { issuesAt, ParamField, type FieldContext } from './ParamField';
import { fieldsOf } from './schema-fields';
import styles from './inspector.module.css';

/** Params that exclude each other: setting one clears the other (a connection node's target). */
const EXCLUSIVE: Record<string, Record<string, string>> = {
  connection: { connection: 'connector_type', connector_type: 'connection' },
};

/**
 * The selected node's form: its id (renaming rewrites what reads it), its params from the type's
 * schema, its notes; each finding shows at its field, the rest above the form.
 */
export function Inspector({
  nodeId,
  flowName,
  rename,
}: {
  nodeId: string;
  flowName: string;
  rename: RenameNode;
}) {
  const store = useCanvasStore();
  const node = useCanvas((state) => state.graph.nodes.find((candidate) => candidate.id === nodeId));
  const edges = useCanvas((state) => state.graph.edges);
  const issues = useCanvasUi((state) => state.issuesByNode[nodeId] ?? NO_ISSUES);
  const upstream = useMemo(
    () => upstreamOf(store.getState().graph, nodeId),
    // The upstream nodes change with the edges only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [edges, nodeId, store],
  );
  if (!node) return null;
  const definition = findNodeType(node.type);
  const fields = fieldsOf(node.type);
  const context: FieldContext = { nodeId, nodeType: node.type, flowName, upstream };
  const prefix = `${nodeId}.params`;
  const placed = new Set(fields.flatMap((field) => issuesAt(issues, `${prefix}.${field.name}`)));
  const elsewhere = issues.filter((issue) => !placed.has(issue));

  const change = (name: string, value: unknown) => {
    const other = EXCLUSIVE[node.type]?.[name];
    store.getState().updateNodeParams(nodeId, {
      [name]: value,
      ...(other && value !== undefined && { [other]: undefined }),
    });
  };

  return (
    <aside className={styles.inspector} aria-label={`Node ${nodeId}`} data-testid="inspector">
      <header className={styles.header}>
        <span className={styles.icon}>
          <NodeIcon name={definition?.icon ?? ''} />
        </span>
        <div>
          <h2>{definition?.title ?? node.type}</h2>
          <p className="muted">{definition?.description}</p>
        </div>
      </header>
      <NodeIdField key={nodeId} id={nodeId} rename={rename} />
      {node.type === 'webhook' && <WebhookUrl params={node.params} />}
      {node.type === 'schedule' && (
        <ScheduleNextRuns params={node.params} flowName={flowName} nodeId={nodeId} />
      )}
      {elsewhere.length > 0 && (
        <ul className={styles.nodeIssues} data-testid="node-issues">
          {elsewhere.map((issue) => (
            <li
              key={issue.message}
              className={issue.severity === 'error' ? styles.fieldError : styles.fieldWarning}
            >
              {issue.message}
            </li>
          ))}
        </ul>
      )}
      <form className={styles.form} onSubmit={(event) => event.preventDefault()} noValidate>
        {fields.map((field) => (
          <ParamField
            key={field.name}
            field={field}
            value={node.params[field.name]}
            onChange={(value) => change(field.name, value)}
            issues={issues}
            context={context}
            path={`${prefix}.${field.name}`}
          />
        ))}
        <div className="field">
          <label htmlFor={`${nodeId}-notes`}>Notes</label>
          <textarea
            id={`${nodeId}-notes`}
            className={`input ${styles.notes}`}
            rows={2}
            value={node.notes ?? ''}
            onChange={(event) => store.getState().setNodeNotes(nodeId, event.target.value)}
          />
          <span className="field-hint">Kept as comments in the compiled code</span>
        </div>
      </form>
    </aside>
  );
}

/** The node id, renamed on Enter or when the field is left; expressions that read it follow. */
function NodeIdField({ id, rename }: { id: string; rename: RenameNode }) {
  const store = useCanvasStore();
  const ui = useCanvasUiStore();
  const [text, setText] = useState(id);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const commit = async () => {
    if (text === id || pending) return;
    setPending(true);
    const result = await store.getState().renameNode(id, text, rename);
    setPending(false);
    setError(result.ok ? null : result.reason);
    if (result.ok) ui.getState().select([text]); // the inspector follows the node to its new id
  };
  return (
    <div className="field">
      <label htmlFor="node-id">Node id</label>
      <input
        id="node-id"
        className={`input ${styles.mono}`}
        value={text}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby="node-id-hint"
        onChange={(event) => {
          setText(event.target.value);
          setError(null);
        }}
        onBlur={() => void commit()}
        onKeyDown={(event) => {
          if (event.key === 'Enter') void commit();
          if (event.key === 'Escape') setText(id);
        }}
      />
      <span id="node-id-hint" className="field-hint">
        Expressions read this node as{' '}
        <code>
          {'{{ '}
          {id}.output{' }}'}
        </code>
        ; renaming rewrites them.
      </span>
      {error && (
        <span className={styles.fieldError} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
