'use client';

import Link from 'next/link';
import { StatusBadge } from '../executions/Badges';
import { formatDateTime } from '../ui/time';
import styles from './triggers.module.css';

export type TickView = {
  fireAt: Date;
  outcome: 'started' | 'skipped' | 'missed';
  reason: string | null;
  executionId: string | null;
  status: string | null;
};

/** A schedule's last ticks: a started tick links to its run and shows its status; skips and misses say why. */
export function TickList({ ticks }: { ticks: readonly TickView[] }) {
  if (ticks.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <ul className={styles.runs} data-testid="tick-list">
      {ticks.map((tick) => (
        <li key={tick.fireAt.toISOString()} data-outcome={tick.outcome}>
          <time dateTime={tick.fireAt.toISOString()}>{formatDateTime(tick.fireAt)}</time>{' '}
          {tick.outcome === 'started' && tick.executionId ? (
            <Link href={`/executions/${tick.executionId}`}>
              {tick.status ? <StatusBadge status={tick.status} /> : 'run'}
            </Link>
          ) : (
            <span className="badge" title={tick.reason ?? undefined}>
              {tick.outcome === 'skipped' ? 'Skipped' : tick.outcome === 'missed' ? 'Missed' : 'Started'}
            </span>
          )}
          {tick.reason && <span className={`muted ${styles.reason}`}> {tick.reason}</span>}
        </li>
      ))}
    </ul>
  );
}
