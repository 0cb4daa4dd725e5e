import styles from './executions.module.css';

/** The execution's status as a coloured pill, named as the engine and the REST API name it. */
export function StatusBadge({ status }: { status: string }) {
  const className = [styles.status, styles[status], status === 'RUNNING' ? styles.running : '']
    .filter(Boolean)
    .join(' ');
  return (
    <span className={className} title={status} data-status={status}>
      {status}
    </span>
  );
}

/** Shown only for dev-mode executions: productive is the normal case and needs no badge. */
export function DevBadge({ isProductive }: { isProductive: boolean }) {
  if (isProductive) return null;
  return (
    <span className={styles.dev} title="Started in dev mode (is_productive = false)">
      Dev mode
    </span>
  );
}
