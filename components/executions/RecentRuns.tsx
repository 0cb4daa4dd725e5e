'use client';

import Link from 'next/link';
import { useMemo } from 'react';
import { formatDateTime } from '../ui/time';
import { DevBadge, StatusBadge } from './Badges';
import styles from './executions.module.css';
import { isEndedStatus } from './format';
import { useExecutionListLive } from './live';

const SHOWN = 8;

/**
 * A flow's latest runs in its editor, live (one subscription: executions.onList for the flow): a run
 * started anywhere (Run, REST, a parent, later webhooks and schedules) appears while the editor is
 * open, and opens its live view.
 */
export function RecentRuns({ flowId, flowName }: { flowId: string; flowName: string }) {
  const rows = useExecutionListLive({ flowId, type: 'FLOW' });
  const latest = useMemo(
    () => [...rows.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)).slice(0, SHOWN),
    [rows],
  );
  const running = latest.filter((run) => !isEndedStatus(run.status)).length;
  return (
    <details className={styles.recentRuns} data-testid="recent-runs">
      <summary className="button">
        Runs{running > 0 && <span className={styles.runningCount}> · {running} running</span>}
      </summary>
      <div className={styles.recentRunsPanel} role="menu" aria-label="Latest runs">
        {latest.length === 0 ? (
          <p className="muted">No runs yet.</p>
        ) : (
          <ul>
            {latest.map((run) => (
              <li key={run.id}>
                <Link href={`/executions/${run.id}`} role="menuitem">
                  <StatusBadge status={run.status} />
                  <span suppressHydrationWarning>{formatDateTime(new Date(run.created_at))}</span>
                  <DevBadge isProductive={run.is_productive} />
                </Link>
              </li>
            ))}
          </ul>
        )}
        <Link className={styles.allRuns} href={`/executions?flow=${encodeURIComponent(flowName)}`}>
          All runs of this flow
        </Link>
      </div>
    </details>
  );
}
