import type { Execution, ExecutionError } from '../store/database';
import type { Fence } from '../store/executions';

export type EndIntent = {
  status: 'ENDED_SUCCESS' | 'ENDED_ERROR';
  message: string | null;
  error?: ExecutionError;
};

/** One run of an execution's handler on this worker: from the top, replaying its journal. */
export class Run {
  readonly abort = new AbortController();
  /** success()/error() was called (or the engine ended it): the outcome of the user's code no longer matters. */
  endIntent: EndIntent | undefined;
  /** The execution gave up its worker (WAITING); it runs again from the top when woken. */
  suspended = false;
  /** It was cancelled while running (possibly as part of its tree). */
  cancelled = false;
  /** Another run owns it now (this run's lease ran out, or a fenced write was refused): write nothing more. */
  lost = false;
  /**
   * Its journal holds a step this run did not expect (typically its own write, committed although a
   * PostgreSQL restart swallowed the answer): stop, and let a fresh run replay the journal.
   */
  handBack = false;
  readonly claimedAt = Date.now();
  /** The row as this run ended it. */
  ended: Execution | undefined;
  /** This run started a child (a run that never did, on a first attempt, leaves its execution childless). */
  startedChildren = false;
  /** The fencing token every write of this run presents (see Fence). */
  readonly fence: Fence;

  constructor(
    readonly execution: Execution,
    /** The attempt this run's claim produced: no write lands once another run took over. */
    readonly attempt: number,
  ) {
    this.fence = { executionId: execution.id, attempt };
  }

  /** The key of this run among the worker's runs: a stale run and its successor never share one. */
  get key(): string {
    return runKey(this.execution.id, this.attempt);
  }

  /** Whether its execution can have children: a first attempt that started none has none. */
  get mayHaveChildren(): boolean {
    return this.startedChildren || this.attempt > 1;
  }

  get halted(): boolean {
    return this.suspended || this.cancelled || this.lost || this.handBack || this.endIntent !== undefined;
  }
}

export function runKey(executionId: string, attempt: number): string {
  return `${executionId}#${attempt}`;
}
