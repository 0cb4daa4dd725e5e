import type { CallResult, WireError } from '../../api/protocol';
import { SandboxSuspend } from '../../sandbox/suspend';

/** What the worker answers a flow API call with (a call that stops the handler gets none: `halt()`). */
export type Answer = CallResult;

export function ok(value: unknown, at?: Date | number | null): Answer {
  return { ok: true, value: value ?? null, ...atOf(at) };
}

export function fail(error: WireError, at?: Date | number | null): Answer {
  return { ok: false, error, ...atOf(at) };
}

function atOf(at: Date | number | null | undefined): { at?: number } {
  if (at === undefined || at === null) return {};
  return { at: typeof at === 'number' ? at : at.getTime() };
}

/** A flow API error for user code (becomes the class of that name in the runner). */
export class ApiError extends Error {
  constructor(
    name: string,
    message: string,
    readonly extra: Partial<WireError> = {},
  ) {
    super(message);
    this.name = name;
  }
  toWire(): WireError {
    return { name: this.name, message: this.message, ...this.extra };
  }
}

/** Stops the handler: the run suspended, ended, was cancelled or lost its claim (see Run). */
export function halt(): never {
  throw new SandboxSuspend('halt');
}
