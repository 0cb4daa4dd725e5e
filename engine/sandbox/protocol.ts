/** Messages between the pool (worker process) and a runner process, sent over IPC ('advanced' serialization). */

export type WireError = {
  name: string;
  message: string;
  stack?: string;
  /** Own enumerable data properties of a host error (e.g. a child execution's id). */
  props?: Record<string, unknown>;
};

export type PoolToRunner =
  | { t: 'run'; job: number; code: string; sourceName: string; context: unknown }
  | { t: 'reply'; job: number; id: number; ok: true; value: unknown }
  | { t: 'reply'; job: number; id: number; ok: false; error: WireError }
  | { t: 'drop'; job: number };

export type RunnerToPool =
  | { t: 'ready' }
  | { t: 'call'; job: number; id: number; method: string; args: unknown[] }
  | { t: 'console'; job: number; level: 'debug' | 'info' | 'warn' | 'error'; text: string }
  | { t: 'done'; job: number; ok: true; value: unknown }
  | { t: 'done'; job: number; ok: false; error: WireError };
