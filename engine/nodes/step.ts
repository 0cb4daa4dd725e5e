import { z } from 'zod';
import type { HandleDefinition } from './types';

/**
 * What every step node (flow, connection, script: a node that starts a child execution) takes beside
 * its own params. The compiler writes `retries` and `on_error` as the node's options and
 * `timeout_seconds` as the child's; reading code back puts them here again.
 */
export const stepParams = {
  retries: z
    .strictObject({
      count: z.number().int().min(1).max(20).meta({ title: 'Attempts after the first' }),
      delay_seconds: z
        .number()
        .min(0)
        .max(86_400)
        .meta({ title: 'Delay (s)', description: 'Seconds before the first retry' }),
      backoff: z
        .number()
        .min(1)
        .max(10)
        .optional()
        .meta({ title: 'Backoff', description: 'Each later delay is the one before times this (default 1)' }),
    })
    .optional()
    .meta({
      title: 'Retries',
      description: 'Run the node again when it fails; each attempt is a new child execution',
    }),
  timeout_seconds: z.number().int().min(1).max(86_400).optional().meta({
    title: 'Timeout (s)',
    description: 'The child execution is stopped with TimeoutExceededError after this long',
  }),
  on_error: z.enum(['fail', 'continue']).optional().meta({
    title: 'On error',
    description: "fail (default): the flow fails. continue: the error leaves by the node's error handle",
  }),
};

export type StepParams = {
  retries?: { count: number; delay_seconds: number; backoff?: number };
  timeout_seconds?: number;
  on_error?: 'fail' | 'continue';
};

/** The names of the step params, which the compiler writes outside the node's body. */
export const STEP_PARAM_KEYS = ['retries', 'timeout_seconds', 'on_error'] as const;

/** A step's error goes to one handler: one place decides what a failure means, never two racing ones. */
export function stepOutputs(params: StepParams): HandleDefinition[] {
  const out: HandleDefinition = { id: 'out', label: 'Success' };
  return params.on_error === 'continue' ? [out, { id: 'error', label: 'Error', max: 1 }] : [out];
}

/** A param that may be an object of values (`input`, `inputs`, `output`): JSON, strings may hold `{{ }}`. */
export function objectParam(title: string, description: string) {
  return z.record(z.string(), z.unknown()).optional().meta({ title, description });
}
