import { z } from 'zod';

/** Messages between the pool (worker process) and a runner process, framed on its channel (channel.ts). */

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
  /** reason 'memory': the job's isolate ran out of memory (the runner made a new one). */
  | { t: 'done'; job: number; ok: false; error: WireError; reason?: 'memory' }
  /**
   * A dropped job (suspended) is gone from this runner: sent from its event loop once it is back there,
   * so none of the job's code still runs. The pool reuses the runner only after it.
   */
  | { t: 'ended'; job: number };

/**
 * What the pool accepts from a runner. User code runs in an isolate inside the runner and cannot write
 * to the channel; still, the pool trusts no runner: anything else is ignored.
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
    reason: z.literal('memory').optional(),
  }),
  z.object({ t: z.literal('ended'), job: z.number() }),
]);
