'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, type CSSProperties } from 'react';
import type { ExecutionSummary } from '../../engine/executions/view';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import { formatDateTime, timeAgo } from '../ui/time';
import { DevBadge, StatusBadge } from './Badges';
import styles from './executions.module.css';
import { elapsedMs, formatDuration } from './format';
import { typeLabel } from './labels';
import { hasLiveChild, mergeListRows, type ListedExecution } from './live-store';
import { TableHead } from '../ui/TableHead';

const COLUMNS = 6;
/** Children are read a page at a time too: a fan-out of thousands must not load them all at once. */
const CHILD_PAGE_SIZE = 50;

type RowsContext = {
  /** Every live row the list's subscription holds (children's too): expanded rows show their changes. */
  live: ReadonlyMap<string, ExecutionSummary>;
  now: number | null;
  /** Whether rows offer their children (off when the list shows every execution anyway). */
  expandable: boolean;
};

/** The list's table: one row per execution, each with children expandable in place under it. */
export function ExecutionRows({ rows, ...context }: RowsContext & { rows: readonly ListedExecution[] }) {
  return (
    <table className="table">
      <TableHead columns={['Status', 'Name', 'Type', 'Mode', 'Started', 'Duration']} />
      <tbody>
        {rows.map((execution) => (
          <ExecutionRow key={execution.id} execution={execution} depth={0} {...context} />
        ))}
      </tbody>
    </table>
  );
}

function ExecutionRow({
  execution,
  depth,
  ...context
}: RowsContext & { execution: ListedExecution; depth: number }) {
  const [expanded, setExpanded] = useState(false);
  const { live, now, expandable } = context;
  const hasChildren = expandable && ((execution.childCount ?? 0) > 0 || hasLiveChild(live, execution.id));
  const duration = elapsedMs(execution.started_at, execution.ended_at, now);
  const created = new Date(execution.created_at);
  // Each level of children is indented one step further under its parent's name.
  const indent = { '--depth': depth } as CSSProperties;
  return (
    <>
      <tr data-testid="execution-row" data-depth={depth}>
        <td>
          <StatusBadge status={execution.status} />
        </td>
        <td className={`name-cell ${styles.nameCell}`} style={indent}>
          {hasChildren ? (
            <button
              type="button"
              className={styles.expand}
              aria-expanded={expanded}
              aria-label={`${expanded ? 'Hide' : 'Show'} the children of ${execution.name}`}
              onClick={() => setExpanded(!expanded)}
            >
              <span aria-hidden="true">{expanded ? '▾' : '▸'}</span>
            </button>
          ) : (
            expandable && <span className={styles.expandSpace} aria-hidden="true" />
          )}
          <Link href={`/executions/${execution.id}`}>{execution.name}</Link>
          {execution.flow_version !== null && <span className="muted"> v{execution.flow_version}</span>}
          {expandable && (execution.childCount ?? 0) > 0 && (
            <span className={styles.childCount}>
              {execution.childCount} {execution.childCount === 1 ? 'child' : 'children'}
            </span>
          )}
        </td>
        <td className="muted">{typeLabel(execution.type)}</td>
        <td>
          {execution.is_productive ? (
            <span className="muted">Productive</span>
          ) : (
            <DevBadge isProductive={false} />
          )}
        </td>
        <td className="muted" title={formatDateTime(created)}>
          {timeAgo(created)}
        </td>
        <td className="muted">
          {duration === null ? '—' : formatDuration(duration)}
          {duration !== null && !execution.ended_at ? ' so far' : ''}
        </td>
      </tr>
      {expanded && <ChildRows parent={execution} depth={depth + 1} {...context} />}
    </>
  );
}

/** An expanded row's children, read when it opens, and live: a child started meanwhile appears. */
function ChildRows({ parent, depth, ...context }: RowsContext & { parent: ListedExecution; depth: number }) {
  const trpc = useTRPC();
  const children = useInfiniteQuery(
    trpc.executions.list.infiniteQueryOptions(
      { parentId: parent.id, limit: CHILD_PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const indent = { '--depth': depth } as CSSProperties;
  if (children.isPending || children.isError) {
    return (
      <tr>
        <td colSpan={COLUMNS} className={`muted ${styles.nameCell}`} style={indent}>
          {children.isPending ? (
            'Loading children…'
          ) : (
            <span role="alert">Could not load the children: {errorMessage(children.error)}</span>
          )}
        </td>
      </tr>
    );
  }
  const pages = children.data.pages.flatMap((page) => page.items);
  const rows = mergeListRows(pages, context.live, { parentId: parent.id }, !children.hasNextPage);
  return (
    <>
      {rows.map((child) => (
        <ExecutionRow key={child.id} execution={child} depth={depth} {...context} />
      ))}
      {children.hasNextPage && (
        <tr>
          <td colSpan={COLUMNS} className={styles.nameCell} style={indent}>
            <button
              type="button"
              className="button button-small"
              onClick={() => void children.fetchNextPage()}
              disabled={children.isFetchingNextPage}
            >
              {children.isFetchingNextPage ? 'Loading…' : `More children of ${parent.name}`}
            </button>
          </td>
        </tr>
      )}
    </>
  );
}
