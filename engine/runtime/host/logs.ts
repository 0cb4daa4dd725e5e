import type { Limits } from '../../config';
import type { Db } from '../../store/db';
import type { LogLevel } from '../../store/database';
import { mapFenceErrors } from '../../store/executions';
import { appendRunLogs, ENGINE_LINES, writeEngineLine } from '../../store/logs';
import { withDbRetry } from '../db-retry';
import { cutLogMessage } from '../limits';
import type { Run } from '../run';

type Line = { seq?: number; line?: number; level: LogLevel; message: string };
type PendingLine = Line & { done: Deferred };
type Deferred = { resolve(): void; reject(error: unknown): void };

const MAX_BATCH = 500;
const QUIET_MS = 5;

/**
 * The log lines of one run, written in batches (one fenced statement for up to 500 lines, after 5 ms
 * of quiet): a flood of `this.log()` is a few statements, not one per line, so it neither fills the
 * database pool nor delays anything else the worker writes. Each line's promise settles once it is
 * written; a refused fence rejects it (the run no longer owns its execution).
 *
 * The limits (docs/engine.md, "Limits") hold here, whatever the runner sends: a line is cut to
 * FLOWLINE_MAX_LOG_LINE_BYTES, and the database writes no more than FLOWLINE_MAX_LOG_LINES per
 * execution (see appendRunLogs). The first line dropped writes one warning for the execution; the run
 * that ends it writes how many of its lines were dropped (`recordDropped`).
 */
export class LogWriter {
  private pending: PendingLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /**
   * Lines of this run that are not in the log: neither written now nor by an earlier run. Counted per
   * run, not summed over runs: a replay sends every line again, so the ending run's count is the
   * execution's (lines an earlier run dropped are dropped, and counted, once more).
   */
  private dropped = 0;

  constructor(
    private readonly db: Db,
    private readonly run: Run,
    private readonly limits: Pick<Limits, 'maxLogLines' | 'maxLogLineBytes'>,
    private readonly onWritten: (count: number) => void,
  ) {}

  add(line: Line): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const message = cutLogMessage(line.message, this.limits.maxLogLineBytes);
      this.pending.push({ ...line, message, done: { resolve, reject } });
      if (this.pending.length >= MAX_BATCH) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), QUIET_MS);
    });
  }

  /** Writes what is collected; resolves once every line added so far is written (or refused). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) {
      this.writing = this.writing.then(() => this.write(batch));
    }
    return this.writing;
  }

  /**
   * For the run that ends the execution, after the last flush: the count of its lines the limit kept
   * out of the log, as the log's last line. It replaces the count of an earlier run that wrote one but
   * then lost the execution before ending it.
   */
  async recordDropped(): Promise<void> {
    if (this.dropped === 0) return;
    const message = `${this.dropped} log lines were dropped (limit ${this.limits.maxLogLines})`;
    await this.writeEngineLine({ line: ENGINE_LINES.droppedCount, level: 'warn', message, replace: true });
  }

  private async write(batch: PendingLine[]): Promise<void> {
    try {
      const { added, present } = await withDbRetry(() =>
        mapFenceErrors(() =>
          appendRunLogs(
            this.db,
            this.run.fence,
            batch.map(({ seq, line, level, message }) => ({ seq, line, level, message })),
            { maxLines: this.limits.maxLogLines },
          ),
        ),
      );
      const dropped = batch.length - added - present;
      if (dropped > 0 && this.dropped === 0) {
        // Once per execution: the line has a fixed position, so a replay's warning is a repeat.
        const message = `this execution logged more than ${this.limits.maxLogLines} lines: later lines are dropped (FLOWLINE_MAX_LOG_LINES); the count is logged at its end`;
        await this.writeEngineLine({ line: ENGINE_LINES.dropped, level: 'warn', message, replace: false });
      }
      this.dropped += dropped;
      if (added > 0) this.onWritten(added);
      for (const line of batch) line.done.resolve();
    } catch (error) {
      for (const line of batch) line.done.reject(error);
    }
  }

  private async writeEngineLine(line: Parameters<typeof writeEngineLine>[2]): Promise<void> {
    const written = await withDbRetry(() =>
      mapFenceErrors(() => writeEngineLine(this.db, this.run.fence, line)),
    );
    if (written > 0) this.onWritten(written);
  }
}
