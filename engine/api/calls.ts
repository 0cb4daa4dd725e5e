import { z } from 'zod';
import { EXECUTION_STATUSES, EXECUTION_TYPES } from '../store/database';
import type { JOURNALED_CALLS } from './runner-api';

/**
 * The flow API on the wire: every call a runner may make, with the schema of its payload. A runner runs
 * untrusted code, so the worker validates every payload against these before it does anything.
 * Which calls are journaled steps (numbered by the runner's step counter, replayed from the journal)
 * is said once, in runner-api.ts (JOURNALED_CALLS), since the runner numbers them.
 */
const childOptions = z
  .object({
    wait: z.boolean().optional(),
    run: z.boolean().optional(),
    name: z.string().min(1).max(200).optional(),
    nodeId: z.string().max(200).optional(),
    timeoutSeconds: z.number().int().min(1).max(86400).optional(),
  })
  .strict();

/** A graph node's error as its record keeps it (runner-api.ts cuts the message to this). */
const nodeError = z
  .object({ name: z.string().max(200), message: z.string().max(10_000), childId: z.uuid().optional() })
  .strict();

const returnWhen = z.enum(['ALL_SUCCEEDED', 'ALL_ENDED', 'FIRST_ENDED']);
const statuses = z.enum(EXECUTION_STATUSES);

export const callPayloads = {
  log: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']), args: z.array(z.unknown()) }),
  save: z
    .object({
      output: z.unknown().optional(),
      message: z.string().nullable().optional(),
      name: z.string().min(1).max(200).optional(),
    })
    .strict(),
  setOutput: z.object({ key: z.string().min(1).max(200), value: z.unknown() }),
  /** A webhook call's HTTP answer (docs/triggers.md); the body obeys the output limit. */
  respond: z
    .object({
      status: z.number().int().min(100).max(599),
      headers: z
        .record(
          z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'a header name is a token (RFC 9110)'),
          z.string().regex(/^[^\r\n\0]*$/, 'a header value has no CR, LF or NUL'),
        )
        .optional(),
      body: z.unknown().optional(),
    })
    .strict(),
  /**
   * A graph node's state, for its record in execution_nodes (not journaled: a replay reports again, and
   * the record's rules make that a repeat). `output` obeys the output limit, as `save` does.
   */
  node: z
    .object({
      id: z.string().min(1).max(200),
      state: z.enum(['running', 'success', 'error', 'skipped']),
      attempt: z.number().int().min(1).max(1000).optional(),
      childId: z.uuid().optional(),
      output: z.unknown().optional(),
      error: nodeError.optional(),
    })
    .strict(),
  end: z.object({
    status: z.enum(['ENDED_SUCCESS', 'ENDED_ERROR']),
    message: z.string().nullable(),
    /** Set by the flow API itself when a replay went astray or user code waits on the clock in a loop. */
    error: z
      .object({ name: z.enum(['NondeterminismError', 'BusyWaitError']), message: z.string().max(10_000) })
      .optional(),
  }),
  'child.start': z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('flow'), flow: z.string().min(1), input: z.unknown(), options: childOptions }),
    z.object({
      kind: z.literal('connect'),
      connection: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
      input: z.unknown(),
      options: childOptions,
    }),
    z.object({ kind: z.literal('script'), source: z.string(), input: z.unknown(), options: childOptions }),
  ]),
  'child.run': z.object({ id: z.uuid(), wait: z.boolean() }),
  'child.wait': z.object({ id: z.uuid() }),
  'child.cancel': z.object({ id: z.uuid() }),
  waitFor: z.object({ ids: z.array(z.uuid()).min(1).max(100_000), returnWhen }),
  sleep: z.union([
    z.object({
      seconds: z
        .number()
        .min(0)
        .max(10 * 365 * 24 * 3600),
    }),
    z.object({ until: z.number().int() }),
  ]),
  'setting.get': z.object({ name: z.string().min(1).max(200) }),
  'setting.save': z.object({ name: z.string().min(1).max(200), value: z.unknown() }),
  'system.flow': z.object({ name: z.string().min(1) }),
  'system.executions': z
    .object({
      flow: z.string().optional(),
      status: z.union([statuses, z.array(statuses)]).optional(),
      type: z.enum(EXECUTION_TYPES).optional(),
      parentId: z.uuid().optional(),
      rootId: z.uuid().optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    })
    .strict(),
} as const;

export type CallMethod = keyof typeof callPayloads;
export type CallPayload<M extends CallMethod> = z.infer<(typeof callPayloads)[M]>;
export type JournaledCall = (typeof JOURNALED_CALLS)[number];

// Every journaled call is a call of the wire contract (a compile-time check).
const journaledAreCalls: readonly CallMethod[] = [] as JournaledCall[];
void journaledAreCalls;
