import type { Db } from '../../store/db';
import type { LogLevel } from '../../store/database';
import { mapFenceErrors } from '../../store/executions';
import { appendRunLogs } from '../../store/logs';
import { withDbRetry } from '../db-retry';
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
 */
export class LogWriter {
  private pending: PendingLine[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly run: Run,
    private readonly onWritten: (count: number) => void,
  ) {}

  add(line: Line): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ ...line, done: { resolve, reject } });
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

  private async write(batch: PendingLine[]): Promise<void> {
    try {
      const added = await withDbRetry(() =>
        mapFenceErrors(() =>
          appendRunLogs(
            this.db,
            this.run.fence,
            batch.map(({ seq, line, level, message }) => ({ seq, line, level, message })),
          ),
        ),
      );
      if (added > 0) this.onWritten(added);
      for (const line of batch) line.done.resolve();
    } catch (error) {
      for (const line of batch) line.done.reject(error);
    }
  }
}
