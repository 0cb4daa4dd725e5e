/**
 * The contract between the runtime (engine/runtime, the worker side) and the sandbox (engine/sandbox,
 * runner processes). The runtime decides what runs when; the sandbox runs one user module at a time
 * per runner process, isolated, and carries its flow API calls back to the runtime.
 *
 * Changes by the sandbox helper (additions only, nothing removed):
 * - SandboxOutcome reasons 'cancelled' (options.signal aborted: the runner was killed) and 'suspended'
 *   (the host rejected a call with `SandboxSuspend` from ./suspend: the job was dropped, the runner kept).
 * - SandboxHost.onConsole: where the user's `console.*` output goes (dropped when absent).
 * - SandboxHost.onRunner: which runner process took the job.
 */

/** One run of a user's module: the handler called once, from the top. */
export type SandboxJob = {
  /** Plain JavaScript (ES module syntax) whose default export is `async function handler(this, system)`. */
  code: string;
  /** Shown in stack traces, e.g. `flow:my-flow@v3`. */
  sourceName: string;
  /** Source map (JSON) from the user's TypeScript to `code`, so stacks name the user's own lines. */
  sourceMap?: string;
  /** Serializable data the runner-side flow API needs (execution id, input, ...); opaque to the sandbox. */
  context: unknown;
  /** Wall-clock limit for this run; past it the runner is killed and the outcome is 'timeout'. */
  timeoutMs: number;
  /**
   * CPU time limit for this run (Linux): past it the runner is killed and the outcome is 'timeout'
   * (CpuTimeExceededError). A run that computes for good stops long before its wall-clock limit,
   * instead of holding a core (and its worker's slot) until then. Default: no limit beyond timeoutMs.
   */
  cpuLimitMs?: number;
};

export type ConsoleLevel = 'debug' | 'info' | 'warn' | 'error';

/** The worker side of the flow API: every call the user's code makes arrives here. */
export type SandboxHost = {
  /**
   * Answers one flow API call. A rejection arrives in user code as an Error with the same `name`,
   * `message` and own enumerable data properties (e.g. a child's id). Rejecting with `SandboxSuspend`
   * ends the job at once without killing the runner (durable sleep / waiting: the handler is re-run later).
   */
  call(method: string, args: unknown[]): Promise<unknown>;
  /** The user's `console.log(...)` and friends, already formatted as one line of text. */
  onConsole?(level: ConsoleLevel, text: string): void;
  /** The process id of the runner the job was handed to (diagnostics; tests follow runners by it). */
  onRunner?(pid: number): void;
};

export type SandboxError = { name: string; message: string; stack?: string };

export type SandboxOutcome =
  | { ok: true; value: unknown }
  | {
      ok: false;
      /**
       * thrown: the handler threw (or its module did not load); timeout / memory / exit / crash: the runner
       * was lost and replaced; cancelled: options.signal aborted the job (runner killed and replaced);
       * suspended: the host rejected a call with SandboxSuspend (runner kept, job abandoned).
       */
      reason: 'thrown' | 'timeout' | 'memory' | 'exit' | 'crash' | 'cancelled' | 'suspended';
      error: SandboxError;
    };

export interface SandboxPool {
  run(job: SandboxJob, host: SandboxHost, options?: { signal?: AbortSignal }): Promise<SandboxOutcome>;
  /** How many runner processes the pool holds right now, and how many of them are idle. */
  stats(): { runners: number; idle: number };
  close(): Promise<void>;
}
