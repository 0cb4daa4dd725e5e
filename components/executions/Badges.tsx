import styles from './executions.module.css';
import { DEV_MODE_EXPLANATION, statusLabel } from './labels';

/** The execution's status as a coloured pill, in words ("Succeeded"); its title and data-status keep the code. */
export function StatusBadge({ status }: { status: string }) {
  const className = [styles.status, styles[status], status === 'RUNNING' ? styles.running : '']
    .filter(Boolean)
    .join(' ');
  return (
    <span className={className} title={`Status ${status}`} data-status={status}>
      {statusLabel(status)}
    </span>
  );
}

/** Shown only for dev-mode executions: productive is the normal case and needs no badge. */
export function DevBadge({ isProductive }: { isProductive: boolean }) {
  if (isProductive) return null;
  return (
    <span className={styles.dev} title={DEV_MODE_EXPLANATION}>
      Dev mode
    </span>
  );
}
