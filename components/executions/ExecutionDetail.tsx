'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import type { LiveExecution } from '@/server/live';
import type { AppRouter } from '@/server/routers/_app';
import { useTRPC } from '../trpc';
import { ConfirmDialog } from '../ui/Dialog';
import { errorMessage } from '../ui/errors';
import { formatDateTime } from '../ui/time';
import { DevBadge, StatusBadge } from './Badges';
import { ExecutionTree } from './ExecutionTree';
import styles from './executions.module.css';
import { elapsedMs, formatDuration, isEndedStatus } from './format';
import { JsonBlock } from './JsonBlock';
import { typeLabel } from './labels';
import { useRunFlow } from '../flows/EditorChrome';
import { useNow } from './use-now';
import { ExecutionGraph } from './ExecutionGraph';
import { ExecutionLogs } from './ExecutionLogs';
import {
  useExecutionTreeLive,
  useLiveExecution,
  useLiveExecutions,
  useLiveLogCount,
  useLiveReady,
} from './live';

export type ExecutionDetails = inferRouterOutputs<AppRouter>['executions']['get'];

/**
 * The page's logs (and the error's source excerpt) are read with the page; when the live view says the
 * execution wrote lines or changed its status, the page reads them again, at most this often.
 */
const RELOAD_GAP_MS = 300;

/**
 * Reads the page again (logs, error source) when the execution's log count or status changed since
 * what the page last read: a trailing reload at most every RELOAD_GAP_MS, so a flood of lines costs a
 * few requests, and the last state is always read.
 */
function useReloadOnChange(key: string, initialKey: string, reload: () => unknown) {
  const synced = useRef(initialKey);
  useEffect(() => {
    if (key === synced.current) return;
    const timer = setTimeout(() => {
      synced.current = key;
      void reload();
    }, RELOAD_GAP_MS);
    return () => clearTimeout(timer);
  }, [key, reload]);
}

/** What the live tree knows of the execution, over what the page read. */
function liveFields(live: LiveExecution) {
  return {
    name: live.name,
    status: live.status,
    started_at: live.started_at,
    ended_at: live.ended_at,
    output_value: live.output_value,
    message: live.message,
    error: live.error,
  };
}

function dateTime(iso: string | null): string {
  return iso ? formatDateTime(new Date(iso)) : '—';
}

function startedByText(startedBy: { kind: string; id?: string }): string {
  switch (startedBy.kind) {
    case 'user':
      return 'a user, from the app';
    case 'token':
      return 'the REST API (token)';
    case 'parent':
      return 'its parent execution';
    default:
      return startedBy.kind;
  }
}

/** The flow's name opens its editor; the version opens exactly the version this execution ran, read-only. */
function FlowLink({ flowName, version }: { flowName: string; version: number | null }) {
  const flowPath = `/flows/${encodeURIComponent(flowName)}`;
  return (
    <>
      <Link href={flowPath}>{flowName}</Link>
      {version !== null && (
        <>
          {' '}
          <Link href={`${flowPath}/versions/${version}`} title={`Version ${version} as it ran, read-only`}>
            v{version}
          </Link>
        </>
      )}
    </>
  );
}

/**
 * Run again (this input, this mode) and Edit input and run (the Run dialog, filled with this input).
 * Both start the flow's latest version, as every run does; the title says which one that is.
 */
function RunAgainButtons({
  flowName,
  latestVersion,
  input,
  productive,
}: {
  flowName: string;
  latestVersion: number;
  input: unknown;
  productive: boolean;
}) {
  const { openRun, runNow, starting, startError, runDialog } = useRunFlow({
    name: flowName,
    version: latestVersion,
    unsaved: false,
  });
  const mode = productive ? '' : ' in dev mode';
  return (
    <>
      {startError && (
        <span className="alert" role="alert">
          Not started: {startError}
        </span>
      )}
      <button
        type="button"
        className="button"
        disabled={starting}
        title={`Runs version ${latestVersion} of ${flowName}${mode} with this input`}
        onClick={() => runNow(productive, input)}
      >
        {starting ? 'Starting…' : 'Run again'}
      </button>
      <button
        type="button"
        className="button"
        disabled={starting}
        title="Opens the Run dialog with this input, to change it first"
        onClick={() => openRun(productive, input)}
      >
        Edit input and run
      </button>
      {runDialog}
    </>
  );
}

function SourceExcerptView({ excerpt }: { excerpt: NonNullable<ExecutionDetails['errorSource']> }) {
  return (
    <pre className={styles.source} aria-label={`Source line ${excerpt.line}`}>
      {excerpt.lines.map(({ number, text }) => (
        <code key={number} className={number === excerpt.line ? styles.sourceHit : undefined}>
          <span className={styles.sourceNumber}>{number}</span>
          {text}
          {number === excerpt.line && (
            <span className={styles.sourceCaret} aria-hidden="true">
              {'\n'}
              <span className={styles.sourceNumber} />
              {' '.repeat(Math.max(0, excerpt.column - 1))}^
            </span>
          )}
          {'\n'}
        </code>
      ))}
    </pre>
  );
}

export function ExecutionDetail({ id, initial }: { id: string; initial: ExecutionDetails }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const query = useQuery(trpc.executions.get.queryOptions({ id }, { initialData: initial }));
  // The tree, live from the database (executions.onTree): the header, the result and the tree show it
  // as it changes; until its first message, what the server rendered.
  const live = useExecutionTreeLive(initial.execution.root_id);
  const liveReady = useLiveReady(live);
  const liveSelf = useLiveExecution(live, id);
  const liveTree = useLiveExecutions(live);
  const logCount = useLiveLogCount(live, id);
  const execution = liveSelf ? { ...query.data.execution, ...liveFields(liveSelf) } : query.data.execution;
  const tree = liveReady ? liveTree : query.data.tree;
  const graphRun = graphRunOf(execution, tree);
  const unended = !isEndedStatus(execution.status) || tree.some((node) => !isEndedStatus(node.status));
  const { refetch } = query;
  const renderedKey = `${initial.execution.status}/${initial.logs.length}`;
  useReloadOnChange(liveSelf ? `${liveSelf.status}/${logCount}` : renderedKey, renderedKey, refetch);
  const [confirmingCancel, setConfirmingCancel] = useState(false);
  const cancel = useMutation(
    trpc.executions.cancel.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.executions.get.queryKey({ id }) });
        setConfirmingCancel(false);
      },
    }),
  );

  const { logs, logsTruncated, flowName, errorSource } = query.data;
  const ended = isEndedStatus(execution.status);
  const now = useNow(unended);
  const duration = elapsedMs(execution.started_at, execution.ended_at, now);
  // The engine often repeats the error as the message; saying it once is enough.
  const message =
    execution.error && execution.message === `${execution.error.name}: ${execution.error.message}`
      ? null
      : execution.message;

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link href="/executions">Executions</Link> /
          </div>
          <h1>{execution.name}</h1>
          <div className={styles.headerBadges}>
            <span data-testid="execution-status">
              <StatusBadge status={execution.status} />
            </span>
            <DevBadge isProductive={execution.is_productive} />
            <span className="badge">{typeLabel(execution.type)}</span>
            <span className={styles.id} title="Execution id">
              {execution.id}
            </span>
          </div>
        </div>
        <div className={styles.headerActions}>
          {execution.type === 'FLOW' && flowName && query.data.flowLatestVersion !== null && (
            <RunAgainButtons
              flowName={flowName}
              latestVersion={query.data.flowLatestVersion}
              input={execution.input_value}
              productive={execution.is_productive}
            />
          )}
          <button
            type="button"
            className="button"
            onClick={() => void query.refetch()}
            disabled={query.isFetching}
          >
            {query.isFetching ? 'Refreshing…' : 'Refresh'}
          </button>
          {!ended && (
            <button type="button" className="button button-danger" onClick={() => setConfirmingCancel(true)}>
              Cancel
            </button>
          )}
        </div>
      </header>

      {query.isError && (
        <p className="alert" role="alert">
          Could not refresh: {errorMessage(query.error)}
        </p>
      )}

      <section className="card">
        <div className="card-body">
          <dl className={`meta ${styles.metaList}`}>
            <div>
              <dt>Flow</dt>
              <dd data-testid="execution-flow">
                {flowName ? (
                  <FlowLink flowName={flowName} version={execution.flow_version} />
                ) : execution.flow_id ? (
                  <span className="muted">deleted flow</span>
                ) : (
                  <span className="muted">—</span>
                )}
              </dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd suppressHydrationWarning>{dateTime(execution.created_at)}</dd>
            </div>
            <div>
              <dt>Ended</dt>
              <dd suppressHydrationWarning>
                {ended ? dateTime(execution.ended_at) : <span className="muted">not yet</span>}
              </dd>
            </div>
            <div>
              <dt>{ended ? 'Duration' : 'Running for'}</dt>
              <dd>{duration === null ? '—' : formatDuration(duration)}</dd>
            </div>
            <div>
              <dt>Started by</dt>
              <dd>{startedByText(execution.started_by)}</dd>
            </div>
            <div>
              <dt>Mode</dt>
              <dd>{execution.is_productive ? 'Productive' : 'Dev mode'}</dd>
            </div>
            {execution.parent_id && (
              <div>
                <dt>Parent</dt>
                <dd>
                  <Link href={`/executions/${execution.parent_id}`}>parent execution</Link>
                </dd>
              </div>
            )}
          </dl>
        </div>
      </section>

      {query.data.graph && graphRun && (
        <ExecutionGraph
          store={live}
          execution={{ executionId: graphRun.id, name: graphRun.name }}
          graph={query.data.graph}
          flowName={flowName}
        />
      )}

      {(message || execution.error) && (
        <section className={styles.section} aria-label="Result">
          {message && (
            <p className={styles.message} data-testid="execution-message">
              {message}
            </p>
          )}
          {execution.error && (
            <div className={styles.errorBox} role="alert" aria-label="Error">
              <div className={styles.errorHead}>
                {execution.error.name}: {execution.error.message}
              </div>
              {errorSource && <SourceExcerptView excerpt={errorSource} />}
              {execution.error.stack && (
                <pre className={styles.errorStack}>
                  <code>{execution.error.stack}</code>
                </pre>
              )}
            </div>
          )}
        </section>
      )}

      <div className={styles.grid}>
        <section className={styles.section} aria-label="Input">
          <h2 className={styles.sectionTitle}>Input</h2>
          <JsonBlock value={execution.input_value} label="Input value" emptyText="No input" />
        </section>
        <section className={styles.section} aria-label="Output">
          <h2 className={styles.sectionTitle}>Output</h2>
          <JsonBlock
            value={execution.output_value}
            label="Output value"
            emptyText={ended ? 'No output' : 'No output yet'}
          />
        </section>
      </div>

      <section className={styles.section} aria-label="Executions in this tree">
        <h2 className={styles.sectionTitle}>Tree</h2>
        <div className="card card-body">
          <ExecutionTree nodes={tree} currentId={execution.id} now={now} />
        </div>
      </section>

      <section className={styles.section} aria-label="Logs">
        <h2 className={styles.sectionTitle}>Logs</h2>
        <ExecutionLogs logs={logs} truncated={logsTruncated} />
      </section>

      <ConfirmDialog
        open={confirmingCancel}
        title="Cancel execution?"
        message={
          <>
            <strong>{execution.name}</strong> and every unfinished execution below it end as Cancelled. This
            cannot be undone.
          </>
        }
        confirmLabel="Cancel execution"
        cancelLabel="Keep running"
        pending={cancel.isPending}
        error={cancel.error ? errorMessage(cancel.error) : null}
        onConfirm={() => cancel.mutate({ id })}
        onClose={() => {
          setConfirmingCancel(false);
          cancel.reset();
        }}
      />
    </div>
  );
}

/**
 * The execution whose graph nodes ran: a webhook call's or a schedule tick's FLOW child (the WEBHOOK or
 * SCHEDULE row runs nothing itself), else the execution itself.
 */
function graphRunOf<T extends { id: string; type: string; name: string; parent_id: string | null }>(
  execution: T,
  tree: readonly T[],
): Pick<T, 'id' | 'name'> | undefined {
  if (execution.type !== 'WEBHOOK' && execution.type !== 'SCHEDULE') return execution;
  return tree.find((row) => row.parent_id === execution.id && row.type === 'FLOW');
}
