/**
 * The size limits of an execution (docs/engine.md, "Limits"; the values: engineLimits() in
 * engine/config.ts): what is checked, and the messages users see when a limit is reached.
 */
import { UserError } from '../errors';
import type { ExecutionError } from '../store/database';
import type { EndFields } from '../store/executions';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Bytes of a value as JSON text, as the database is sent it. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null));
}

/** "900 bytes", "64 KiB", "3.2 MiB". */
function formatBytes(bytes: number): string {
  const scaled = (unit: number, name: string) => `${Number((bytes / unit).toFixed(1))} ${name}`;
  if (bytes >= MiB) return scaled(MiB, 'MiB');
  if (bytes >= KiB) return scaled(KiB, 'KiB');
  return `${bytes} bytes`;
}

/** "the output is 3.2 MiB, the most is 1 MiB"; in bytes when rounding would make both read the same. */
function sizeOverLimit(what: string, bytes: number, max: number): string {
  const [size, most] =
    formatBytes(bytes) === formatBytes(max)
      ? [`${bytes} bytes`, `${max} bytes`]
      : [formatBytes(bytes), formatBytes(max)];
  return `${what} is ${size}, the most is ${most}`;
}

/** An execution's input over FLOWLINE_MAX_INPUT_BYTES: refused at start, nothing is written. */
export class InputTooLargeError extends UserError {
  override name = 'InputTooLargeError';
  readonly kind = 'too_large';
  constructor(bytes: number, max: number) {
    super(`${sizeOverLimit('the input', bytes, max)} (FLOWLINE_MAX_INPUT_BYTES)`);
  }
}

/** Throws InputTooLargeError when an input's JSON text is over the limit. */
export function checkInputJson(json: string, maxBytes: number): void {
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) throw new InputTooLargeError(bytes, maxBytes);
}

/** How an execution ends whose output (or message, or error) is over FLOWLINE_MAX_OUTPUT_BYTES. */
export function outputTooLarge(
  what: 'output' | 'message' | 'error',
  bytes: number,
  maxBytes: number,
): { status: 'ENDED_ERROR'; message: string; error: ExecutionError } {
  const message = `${sizeOverLimit(`the ${what}`, bytes, maxBytes)} (FLOWLINE_MAX_OUTPUT_BYTES)`;
  return {
    status: 'ENDED_ERROR',
    message: `OutputTooLargeError: ${message}`,
    error: { name: 'OutputTooLargeError', message },
  };
}

/**
 * The end as it may be written: one whose output, message or error is over the limit ends ENDED_ERROR
 * instead, saying which and by how much, and writes none of them (no row half written, no value
 * PostgreSQL would refuse).
 */
export function endWithinLimit(fields: EndFields, maxBytes: number): EndFields {
  const parts = [
    ['output', fields.output],
    ['message', fields.message],
    ['error', fields.error],
  ] as const;
  for (const [what, value] of parts) {
    if (value === undefined || value === null) continue;
    const bytes = typeof value === 'string' ? Buffer.byteLength(value) : jsonBytes(value);
    if (bytes > maxBytes) return outputTooLarge(what, bytes, maxBytes);
  }
  return fields;
}

/** A log line's message cut to `maxBytes` of UTF-8 (at a character's start), saying how much was cut. */
export function cutLogMessage(message: string, maxBytes: number): string {
  // Fast path: no UTF-16 unit takes more than 3 bytes of UTF-8.
  if (message.length * 3 <= maxBytes) return message;
  const bytes = Buffer.from(message, 'utf8');
  if (bytes.length <= maxBytes) return message;
  // Room for the note, sized for the most that can be cut (its digit count is an upper bound).
  let end = maxBytes - Buffer.byteLength(cutNote(bytes.length));
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--; // not inside a character
  return `${bytes.subarray(0, end).toString('utf8')}${cutNote(bytes.length - end)}`;
}

function cutNote(cutBytes: number): string {
  return `… (cut ${cutBytes} bytes)`;
}
