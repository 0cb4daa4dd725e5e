import type { CallPayload } from '../../api/calls';
import type { Db } from '../../store/db';
import { writeNodeRecords, type NodeRecordWrite } from '../../store/execution-nodes';
import { mapFenceErrors } from '../../store/executions';
import { withDbRetry } from '../db-retry';
import type { Run } from '../run';

export type NodeReport = CallPayload<'node'>;
type Deferred = { resolve(): void; reject(error: unknown): void };

const QUIET_MS = 5;
/** Records (distinct nodes) written in one statement at most. */
const MAX_BATCH = 500;

/**
 * A record after one more report, as the database would fold it (see writeNodeRecords): an ended record
 * never changes, `started_at` keeps its first value, `attempts` is the highest seen. `at` is the
 * worker's clock when the report arrived. Folding a batch here first lets one statement write it (a
 * statement may change a row once only).
 */
export function foldNodeReport(
  record: NodeRecordWrite | undefined,
  report: NodeReport,
  at: Date,
): NodeRecordWrite {
  if (record && record.status !== 'running') return record;
  const attempts = Math.max(record?.attempts ?? 0, report.attempt ?? 0);
  if (report.state === 'running') {
    return {
      nodeId: report.id,
      status: 'running',
      startedAt: record?.startedAt ?? at,
      endedAt: null,
      attempts,
      childId: record?.childId ?? null,
      output: undefined,
      error: null,
    };
  }
  return {
    nodeId: report.id,
    status: report.state,
    startedAt: record?.startedAt ?? null,
    endedAt: at,
    attempts,
    childId: report.childId ?? record?.childId ?? null,
    output: report.output,
    error: report.error ?? null,
  };
}

/**
 * The node records of one run, written in batches like its log lines (LogWriter): reports are folded
 * per node and written in one fenced statement after 5 ms of quiet, so a graph of many nodes costs a
 * few statements. Each report's promise settles once it is written; a refused fence rejects it.
 */
export class NodeWriter {
  private pending = new Map<string, NodeRecordWrite>();
  private waiting: Deferred[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  constructor(
    private readonly db: Db,
    private readonly run: Run,
    private readonly onWritten: (count: number) => void,
  ) {}

  add(report: NodeReport): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.set(report.id, foldNodeReport(this.pending.get(report.id), report, new Date()));
      this.waiting.push({ resolve, reject });
      if (this.pending.size >= MAX_BATCH) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), QUIET_MS);
    });
  }

  /** Writes what is collected; resolves once every report added so far is written (or refused). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size > 0) {
      const batch = [...this.pending.values()];
      const waiting = this.waiting;
      this.pending = new Map();
      this.waiting = [];
      this.writing = this.writing.then(() => this.write(batch, waiting));
    }
    return this.writing;
  }

  private async write(batch: NodeRecordWrite[], waiting: Deferred[]): Promise<void> {
    try {
      const changed = await withDbRetry(() =>
        mapFenceErrors(() => writeNodeRecords(this.db, this.run.fence, batch)),
      );
      if (changed > 0) this.onWritten(changed);
      for (const report of waiting) report.resolve();
    } catch (error) {
      for (const report of waiting) report.reject(error);
    }
  }
}
