import { z } from 'zod';

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
  /**
   * The job's outcome. Sent from the runner's event loop once it is back there, so none of the job's
   * code still runs: the pool may reuse the runner at once.
   */
  | { t: 'done'; job: number; ok: true; value: unknown }
  | { t: 'done'; job: number; ok: false; error: WireError }
  /**
   * A dropped job (suspended) is gone from this runner: sent from its event loop once it is back there,
   * so none of the job's code still runs. The pool reuses the runner only after it.
   */
  | { t: 'ended'; job: number };

/**
 * What the pool accepts from a runner. A runner runs untrusted code, which can reach its IPC channel
 * once it escapes its vm context: anything else is ignored.
 */
export const runnerMessageSchema = z.union([
  z.object({ t: z.literal('ready') }),
  z.object({
    t: z.literal('call'),
    job: z.number(),
    id: z.number(),
    method: z.string(),
    args: z.array(z.unknown()),
  }),
  z.object({
    t: z.literal('console'),
    job: z.number(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    text: z.string(),
  }),
  z.object({ t: z.literal('done'), job: z.number(), ok: z.literal(true), value: z.unknown() }),
  z.object({
    t: z.literal('done'),
    job: z.number(),
    ok: z.literal(false),
    error: z.object({ name: z.string(), message: z.string(), stack: z.string().optional() }),
  }),
  z.object({ t: z.literal('ended'), job: z.number() }),
]);
