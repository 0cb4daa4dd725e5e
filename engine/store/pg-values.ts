import { z } from 'zod';

/**
 * What PostgreSQL refuses to store, checked at the edges (REST, tRPC) so a client's mistake is a 400
 * naming its field instead of a database error answered as 500:
 *
 * - `\u0000` in text (`invalid byte sequence for encoding "UTF8": 0x00`) and in jsonb (`unsupported
 *   Unicode escape sequence`);
 * - a lone UTF-16 surrogate, which jsonb refuses (`Unicode low surrogate must follow a high surrogate`)
 *   and text stores as U+FFFD, silently changing what was sent;
 * - JSON nested deeper than JSON_MAX_DEPTH: nothing a flow needs, and the engine serializes input with
 *   recursive functions (JSON.stringify, hashing) that overflow the stack some thousands of levels down.
 */
export const JSON_MAX_DEPTH = 64;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL would refuse this text (or change it), or null when it stores it as given. */
export function pgTextProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain the character U+0000 (PostgreSQL cannot store it)';
  if (LONE_SURROGATE.test(text))
    return 'must not contain a lone UTF-16 surrogate (not valid Unicode; PostgreSQL cannot store it)';
  return null;
}

/**
 * Why this value is not JSON that a jsonb column stores as given, with where inside it (`.a.0.b`), or
 * null when it is. Only plain JSON is accepted: null, booleans, finite numbers, strings, arrays and
 * plain objects. The walk stops at the depth limit, so it cannot overflow itself.
 */
export function pgJsonProblem(value: unknown, maxDepth = JSON_MAX_DEPTH): string | null {
  return problemAt(value, '', 0, maxDepth);
}

function problemAt(value: unknown, at: string, depth: number, maxDepth: number): string | null {
  const where = at === '' ? '' : ` (at ${at})`;
  if (value === null || typeof value === 'boolean') return null;
  if (typeof value === 'number')
    return Number.isFinite(value) ? null : `must be JSON: ${value} is not a JSON number${where}`;
  if (typeof value === 'string') {
    const problem = pgTextProblem(value);
    return problem && `a string ${problem}${where}`;
  }
  if (typeof value !== 'object' || !(Array.isArray(value) || isPlainObject(value)))
    return `must be JSON (null, boolean, number, string, array or object)${where}`;
  if (depth >= maxDepth) return `is nested deeper than ${maxDepth} levels${where}`;
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [String(index), item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const keyProblem = Array.isArray(value) ? null : pgTextProblem(key);
    if (keyProblem) return `a key ${keyProblem}${where}`;
    const problem = problemAt(item, `${at}.${key}`, depth + 1, maxDepth);
    if (problem) return problem;
  }
  return null;
}

function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** A string that a PostgreSQL text column stores as given. */
export function pgText() {
  return z.string().check((ctx) => {
    const problem = pgTextProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
}

/**
 * Any JSON value that a jsonb column stores as given (see pgJsonProblem). The issue names the field
 * itself; where inside the value the problem is goes in the message.
 */
export function pgJson() {
  return z.unknown().check((ctx) => {
    const problem = pgJsonProblem(ctx.value);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
}
