'use client';

import type { ReactNode } from 'react';
import { EmptyState, LoadState } from '../ui/ListStates';
import { TableHead } from '../ui/TableHead';

/** How often a trigger page's data is read again while open: ticks and calls keep coming. */
export const TRIGGER_PAGE_REFRESH_MS = 5000;

/**
 * A page listing one kind of trigger (webhooks, schedules): its title and what the page is, the
 * query's loading and error states, what to do when there are none yet, and a table of one row each.
 */
export function TriggerPage<T>({
  title,
  description,
  query,
  noun,
  empty,
  columns,
  row,
}: {
  title: string;
  description: ReactNode;
  query: { isPending: boolean; isError: boolean; error: unknown; data: readonly T[] | undefined };
  noun: string;
  empty: { title: string; body: ReactNode };
  columns: readonly string[];
  row: (item: T) => ReactNode;
}) {
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>{title}</h1>
          <p>{description}</p>
        </div>
      </header>
      <section className="card" aria-label={title}>
        <LoadState query={query} noun={noun} />
        {query.data?.length === 0 && <EmptyState title={empty.title}>{empty.body}</EmptyState>}
        {query.data && query.data.length > 0 && (
          <table className="table">
            <TableHead columns={columns} />
            <tbody>{query.data.map(row)}</tbody>
          </table>
        )}
      </section>
    </div>
  );
}
