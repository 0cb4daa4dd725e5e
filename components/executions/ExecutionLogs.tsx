import styles from './executions.module.css';

export type LogLine = { id: number; at: string; level: string; message: string; data: unknown };

const timeOfDay = new Intl.DateTimeFormat('en', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  fractionalSecondDigits: 3,
  hour12: false,
});

export function ExecutionLogs({ logs, truncated }: { logs: LogLine[]; truncated: boolean }) {
  if (logs.length === 0) {
    return (
      <div className="card placeholder">
        No log lines. <code>await this.log(…)</code> in a flow writes here.
      </div>
    );
  }
  return (
    <div className="card">
      <table className={styles.logs}>
        <tbody>
          {logs.map((line) => (
            <tr key={line.id} data-testid="log-line">
              <td className={styles.logTime} title={line.at}>
                {timeOfDay.format(new Date(line.at))}
              </td>
              <td className={`${styles.logLevel} ${styles[`level-${line.level}`] ?? ''}`}>{line.level}</td>
              <td>
                <div className={styles.logMessage}>{line.message}</div>
                {line.data !== null && line.data !== undefined && (
                  <pre className={styles.logData}>{JSON.stringify(line.data)}</pre>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {truncated && <p className="placeholder">Only the first lines are shown.</p>}
    </div>
  );
}
