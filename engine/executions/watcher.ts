import type { Db } from '../store/db';
import type { Execution } from '../store/database';
import { getExecution, isEnded } from '../store/executions';
import { EVENTS_CHANNEL, listen, type ExecutionEvent, type Listener } from '../events/events';

type Waiter = (execution: Execution) => void;

/**
 * Waits for executions to end, on ONE `LISTEN flowline_events` connection per process (the web server
 * answering `wait` requests). Each waiter registers before it reads the row, so an end that commits
 * between the read and the registration is still seen.
 */
export class ExecutionWatcher {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly listener: Listener;

  constructor(
    private readonly db: Db,
    databaseUrl: string,
  ) {
    this.listener = listen(
      databaseUrl,
      [EVENTS_CHANNEL],
      (_channel, payload) => this.onEvent(payload),
      () => void this.recheckAll(),
    );
  }

  /** The execution once it has ended, or undefined when `timeoutMs` passed first (or it does not exist). */
  async waitForEnd(id: string, timeoutMs: number): Promise<Execution | undefined> {
    let resolveEnded!: (execution: Execution | undefined) => void;
    const ended = new Promise<Execution | undefined>((resolve) => (resolveEnded = resolve));
    const waiter: Waiter = (execution) => resolveEnded(execution);
    const set = this.waiters.get(id) ?? new Set<Waiter>();
    set.add(waiter);
    this.waiters.set(id, set);
    const timer = setTimeout(() => resolveEnded(undefined), timeoutMs);
    try {
      const current = await getExecution(this.db, id);
      if (!current) return undefined;
      if (isEnded(current.status)) return current;
      return await ended;
    } finally {
      clearTimeout(timer);
      set.delete(waiter);
      if (set.size === 0) this.waiters.delete(id);
    }
  }

  close(): Promise<void> {
    return this.listener.close();
  }

  private onEvent(payload: string): void {
    let event: ExecutionEvent;
    try {
      event = JSON.parse(payload) as ExecutionEvent;
    } catch {
      return;
    }
    if (event.kind !== 'status' || !isEnded(event.status) || !this.waiters.has(event.id)) return;
    void this.deliver(event.id);
  }

  private async deliver(id: string): Promise<void> {
    const execution = await getExecution(this.db, id).catch(() => undefined);
    if (!execution || !isEnded(execution.status)) return;
    for (const waiter of this.waiters.get(id) ?? []) waiter(execution);
  }

  /** After a reconnect, notifications sent meanwhile are lost: look at every watched execution again. */
  private async recheckAll(): Promise<void> {
    await Promise.all([...this.waiters.keys()].map((id) => this.deliver(id)));
  }
}
