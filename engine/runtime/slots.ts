import type { Execution } from '../store/database';

/**
 * A worker's capacity as explicit states (graphile-worker's local queue is the model). Each execution
 * the worker takes from the queue is in exactly one of them:
 *
 *   claiming ──claimed──> ready ──start──> running ──done──> (gone)
 *       └──not claimed──> (gone)   └──dropped (cancelled, taken over)──> (gone)
 *
 * - claiming: its job was fetched, the claim is in flight;
 * - ready: claimed (its lease renewed like a running one), waiting for a slot, so that a freed slot
 *   starts the next execution without a round trip to the database;
 * - running: in one of `capacity` slots (a request waiting for its execution may reserve one too).
 *
 * Synchronous children run inline inside their parent's slot and are not counted here. At most
 * `capacity` executions wait ready: one batch beyond what runs.
 */
export class Slots {
  private readonly claiming = new Set<string>();
  private readonly ready: Execution[] = [];
  private running = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) throw new Error(`invalid capacity ${capacity}`);
  }

  /**
   * How many jobs to fetch now: what the ready list and the slots can take, but only once that is
   * worth a round trip (half a batch), or anything when nothing is ready to start.
   */
  jobsWanted(): number {
    const room = 2 * this.capacity - this.claiming.size - this.ready.length - this.running;
    const worthIt = room >= Math.ceil(this.capacity / 2) || (room > 0 && this.ready.length === 0);
    return worthIt ? Math.min(room, 100) : 0;
  }

  /** Fetched jobs' executions go to claiming (each id once, whatever the number of its jobs). */
  beginClaim(ids: readonly string[]): void {
    for (const id of ids) {
      if (this.claiming.has(id)) throw new Error(`slots: ${id} is already being claimed`);
      this.claiming.add(id);
    }
  }

  /** The claim returned: the executions it won are ready, the others gone. */
  endClaim(ids: readonly string[], claimed: readonly Execution[]): void {
    for (const id of ids) {
      if (!this.claiming.delete(id)) throw new Error(`slots: ${id} was not being claimed`);
    }
    this.ready.push(...claimed);
  }

  /** The next ready execution, in a slot now; undefined when no slot is free or none is ready. */
  start(): Execution | undefined {
    if (this.running >= this.capacity) return undefined;
    const next = this.ready.shift();
    if (next) this.running += 1;
    return next;
  }

  /** A slot for an execution the caller creates claimed and runs at once; false when all are taken. */
  reserve(): boolean {
    if (this.running >= this.capacity) return false;
    this.running += 1;
    return true;
  }

  /** A running execution is done (ended, suspended, lost) or a reservation was not used. */
  done(): void {
    if (this.running <= 0) throw new Error('slots: done() without a running execution');
    this.running -= 1;
  }

  /** A ready execution that must not start (cancelled meanwhile, or no longer this worker's). */
  drop(id: string): void {
    const index = this.ready.findIndex((execution) => execution.id === id);
    if (index >= 0) this.ready.splice(index, 1);
  }

  /** Whether the execution is claiming or ready here. */
  holds(id: string): boolean {
    return this.claiming.has(id) || this.ready.some((execution) => execution.id === id);
  }

  readyRuns(): Array<{ id: string; attempt: number }> {
    return this.ready.map((execution) => ({ id: execution.id, attempt: execution.attempts }));
  }

  heldIds(): string[] {
    return [...this.claiming, ...this.ready.map((execution) => execution.id)];
  }

  get idle(): boolean {
    return this.running === 0 && this.ready.length === 0 && this.claiming.size === 0;
  }
}
