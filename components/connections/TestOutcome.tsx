import type { ConnectionTestResult } from '@/engine/connectors/connections';
import styles from './connections.module.css';

/**
 * How "Test connection" went: "Connection works", or "Failed:" and the reason; with `showBody`, a
 * failed HTTP answer's body below it as text (an HTML error page is shown, never rendered), in a box of
 * its own that scrolls.
 */
export function TestOutcome({
  result,
  showBody = false,
}: {
  result: ConnectionTestResult;
  showBody?: boolean;
}) {
  const body = !result.ok && showBody ? result.body : undefined;
  return (
    <div className={`alert ${result.ok ? 'alert-success' : ''} ${styles.testOutcome}`} role="status">
      <p>{result.ok ? 'Connection works' : `Failed: ${result.message}`}</p>
      {body !== undefined && (
        <pre className={styles.answerBody} aria-label="Answer body" tabIndex={0}>
          {body}
        </pre>
      )}
    </div>
  );
}
