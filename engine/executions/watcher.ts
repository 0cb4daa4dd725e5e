import { sql } from 'kysely';
import type { Db } from '../store/db';
import type { Execution } from '../store/database';
import { ENDED_STATUSES, getExecution, isEnded } from '../store/executions';
import { EVENTS_CHANNEL, listen, type ExecutionEvent, type Listener } from '../events/events';

type Waiter = (execution: Execution) => void;

export type ExecutionWatcherOptions = {
  /**
   * How often the rows of all waiting requests are read again (one query), in case a notification
   * was lost. Default 500 ms.
   */
  recheckMs?: number;
};

const DEFAULT_RECHECK_MS = 500;

/**
 * Waits for executions to end, on ONE `LISTEN flowline_events` connection per process (the web server
 * answering `wait` requests). Each waiter registers before it reads the row, so an end that commits
 * between the read and the registration is still seen.
 *
 * A notification is only the fast way to learn of an end, never the only one: one can be lost (sent
 * before this LISTEN was established, during a reconnect, or never sent because the ending process
 * died between its commit and the NOTIFY). So the watcher also reads the watched rows again once the
 * LISTEN is up, after every reconnect, every `recheckMs` while anyone waits, and each waiter's row
 * one last time at its deadline.
 */
export class ExecutionWatcher {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly listener: Listener;
  private readonly recheckMs: number;
  private recheckTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    databaseUrl: string,
    options: ExecutionWatcherOptions = {},
  ) {
    this.recheckMs = options.recheckMs ?? DEFAULT_RECHECK_MS;
    this.listener = listen(
      databaseUrl,
      [EVENTS_CHANNEL],
      (_channel, payload) => this.onEvent(payload),
      () => void this.recheckAll(),
    );
    // Ends announced before the LISTEN was established never arrive: the waiters of that time look again.
    void this.listener.ready.then(() => this.recheckAll());
  }

  /**
   * The execution once it has ended, or undefined when `timeoutMs` passed first (or it does not exist).
   * At the deadline the row is read once more: an execution that has ended is never reported as not.
   */
  async waitForEnd(id: string, timeoutMs: number): Promise<Execution | undefined> {
    let resolveEnded!: (execution: Execution | undefined) => void;
    const ended = new Promise<Execution | undefined>((resolve) => (resolveEnded = resolve));
    const waiter: Waiter = (execution) => resolveEnded(execution);
    const set = this.waiters.get(id) ?? new Set<Waiter>();
    set.add(waiter);
    this.waiters.set(id, set);
    this.scheduleRecheck();
    const timer = setTimeout(() => void this.readEnded(id).then(resolveEnded), Math.max(0, timeoutMs));
    try {
      const current = await getExecution(this.db, id);
      if (!current) return undefined;
      if (isEnded(current.status)) return current;
      return await ended;
    } finally {
      clearTimeout(timer);
      set.delete(waiter);
      if (set.size === 0 && this.waiters.get(id) === set) this.waiters.delete(id);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    await this.listener.close();
  }

  private onEvent(payload: string): void {
    let event: ExecutionEvent;
    try {
      event = JSON.parse(payload) as ExecutionEvent;
    } catch {
      return;
    }
    if (event.kind !== 'status' || !isEnded(event.status) || !this.waiters.has(event.id)) return;
    void this.readEnded(event.id).then((execution) => execution && this.deliver(execution));
  }

  /** The row if it has ended; undefined if not, or when it cannot be read right now. */
  private async readEnded(id: string): Promise<Execution | undefined> {
    const execution = await getExecution(this.db, id).catch(() => undefined);
    return execution && isEnded(execution.status) ? execution : undefined;
  }

  private deliver(execution: Execution): void {
    for (const waiter of this.waiters.get(execution.id) ?? []) waiter(execution);
  }

  /** While anyone waits: one re-read of all watched rows every `recheckMs`. */
  private scheduleRecheck(): void {
    if (this.recheckTimer || this.closed) return;
    this.recheckTimer = setTimeout(() => {
      void this.recheckAll().finally(() => {
        this.recheckTimer = undefined;
        if (this.waiters.size > 0) this.scheduleRecheck();
      });
    }, this.recheckMs);
    this.recheckTimer.unref();
  }

  /** Reads every watched row that has ended, in one query, and answers its waiters. */
  private async recheckAll(): Promise<void> {
    const ids = [...this.waiters.keys()];
    if (ids.length === 0 || this.closed) return;
    const rows = await this.db
      .selectFrom('executions')
      .selectAll()
      .where('id', '=', sql<string>`any(${sql.val(ids)}::uuid[])`)
      .where('status', 'in', [...ENDED_STATUSES])
      .execute()
      .catch(() => [] as Execution[]); // the database is away: the next look tries again
    for (const execution of rows) this.deliver(execution);
  }
}
