import type { ReactNode } from 'react';
import { errorMessage } from './errors';

/** Loading and error states of a list's query: "Loading flows…", "Could not load the flows: …". */
export function LoadState({
  query,
  noun,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown };
  noun: string;
}) {
  if (query.isPending) return <div className="placeholder">Loading {noun}…</div>;
  if (query.isError) {
    return (
      <div className="card-body">
        <p className="alert" role="alert">
          Could not load the {noun}: {errorMessage(query.error)}
        </p>
      </div>
    );
  }
  return null;
}

/** What an empty list shows: what the things are, and how to make the first one. */
export function EmptyState({
  icon,
  title,
  children,
  action,
}: {
  icon?: ReactNode;
  title: string;
  children: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="empty">
      {icon && <div className="empty-icon">{icon}</div>}
      <h2>{title}</h2>
      <p>{children}</p>
      {action}
    </div>
  );
}
