import styles from './executions.module.css';
import { prettyJson } from './format';

export function JsonBlock({ value, label, emptyText }: { value: unknown; label: string; emptyText: string }) {
  if (value === null || value === undefined) return <p className={styles.empty}>{emptyText}</p>;
  return (
    <pre className={styles.json} aria-label={label}>
      <code>{prettyJson(value)}</code>
    </pre>
  );
}
