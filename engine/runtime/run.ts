import type { Execution, ExecutionError, ExecutionStep } from '../store/database';

export type EndIntent = {
  status: 'ENDED_SUCCESS' | 'ENDED_ERROR';
  message: string | null;
  error?: ExecutionError;
};

/** One run of an execution's handler on this worker: from the top, replaying its journal. */
export class Run {
  readonly abort = new AbortController();
  journal = new Map<number, ExecutionStep>();
  /** success()/error() was called (or the engine ended it): the outcome of the user's code no longer matters. */
  endIntent: EndIntent | undefined;
  /** The execution gave up its worker (WAITING); it runs again from the top when woken. */
  suspended = false;
  /** It was cancelled while running (possibly as part of its tree). */
  cancelled = false;
  /** Another worker holds it now (this worker's lease ran out): stop without writing anything. */
  lost = false;
  readonly claimedAt = Date.now();
  /** Set for a synchronous child whose parent waits for it in this worker (its journal step). */
  parentStep: { executionId: string; seq: number } | undefined;
  /** The row as this run ended it. */
  ended: Execution | undefined;

  constructor(
    readonly execution: Execution,
    /** The fencing token: every write of this run names it, and none lands once another run took over. */
    readonly attempt: number,
  ) {}

  /**
   * Its journal holds a step this run did not expect (typically its own write, committed although a
   * PostgreSQL restart swallowed the answer): stop, and let a fresh run replay the journal.
   */
  handBack = false;

  get halted(): boolean {
    return this.suspended || this.cancelled || this.lost || this.handBack || this.endIntent !== undefined;
  }
}
