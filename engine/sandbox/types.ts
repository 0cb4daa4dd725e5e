/**
 * The contract between the runtime (engine/runtime, the worker side) and the sandbox (engine/sandbox,
 * runner processes). The runtime decides what runs when; the sandbox runs one user module at a time
 * per runner process, isolated, and carries its flow API calls back to the runtime.
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
};

/** The worker side of the flow API: every call the user's code makes arrives here. */
export type SandboxHost = {
  call(method: string, args: unknown[]): Promise<unknown>;
};

export type SandboxError = { name: string; message: string; stack?: string };

export type SandboxOutcome =
  | { ok: true; value: unknown }
  | {
      ok: false;
      /** thrown: the handler threw; timeout / memory / exit / crash: the runner was lost and replaced. */
      reason: 'thrown' | 'timeout' | 'memory' | 'exit' | 'crash';
      error: SandboxError;
    };

export interface SandboxPool {
  run(job: SandboxJob, host: SandboxHost, options?: { signal?: AbortSignal }): Promise<SandboxOutcome>;
  close(): Promise<void>;
}
