import type { ConnectorField } from '@/engine/connectors/form';
import { errorMessage } from '../ui/errors';

/** What a form input holds: text for most kinds, so an empty input can mean "not set". */
export type FieldValues = Record<string, string>;

const ACRONYMS: Record<string, string> = { url: 'URL', ssl: 'SSL', json: 'JSON' };

export function fieldLabel(name: string): string {
  const words = name.split('_').map((word) => ACRONYMS[word] ?? word);
  const first = words[0] ?? '';
  return [first.charAt(0).toUpperCase() + first.slice(1), ...words.slice(1)].join(' ');
}

/** A stored (redacted) config as form values; secrets never have a value here, only set / not set. */
export function toFieldValues(
  fields: readonly ConnectorField[],
  config: Record<string, unknown>,
): FieldValues {
  const values: FieldValues = {};
  for (const field of fields) {
    const value = config[field.name];
    if (field.kind === 'secret' || value === undefined || value === null) values[field.name] = '';
    else if (field.kind === 'json') values[field.name] = JSON.stringify(value, null, 2);
    else values[field.name] = String(value);
  }
  return values;
}

/**
 * A message about one input, `path` its dotted name (`port`, `headers.Accept`), or about the whole form
 * (`path` null). The message is as the server or the form wrote it: `port: Too big: ...`.
 */
export type FormProblem = { path: string | null; message: string };

/** The top-level field a problem is about: `headers` for `headers.Accept`. */
export function problemField(problem: FormProblem | null): string | null {
  return problem?.path?.split('.')[0] ?? null;
}

/** A problem's message as shown at its field: the field's name is not repeated in front of it. */
export function messageAtField(problem: FormProblem): string {
  const field = problemField(problem);
  if (problem.path === null || field === null) return problem.message;
  const rest = problem.message.startsWith(`${problem.path}: `)
    ? problem.message.slice(problem.path.length + 2)
    : problem.message;
  return problem.path === field ? rest : `${problem.path.slice(field.length + 1)}: ${rest}`;
}

/** The problem a failed call reports: tRPC errors name their field in `data.field` (server/trpc.ts). */
export function problemOfError(error: { message: string; data?: unknown }): FormProblem {
  const data = error.data;
  const path =
    typeof data === 'object' && data !== null && 'field' in data && typeof data.field === 'string'
      ? data.field
      : null;
  return { path, message: errorMessage(error) };
}

export type ConfigResult = { config: Record<string, unknown> } | { problem: FormProblem };

/**
 * Form values as a config: empty inputs are left out (the connector's default applies, or, for a
 * secret, the stored value stays), secrets marked for removal become null. The server validates again.
 */
export function toConfig(
  fields: readonly ConnectorField[],
  values: FieldValues,
  removeSecrets: ReadonlySet<string> = new Set(),
): ConfigResult {
  const config: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.kind === 'secret' && removeSecrets.has(field.name)) {
      config[field.name] = null;
      continue;
    }
    const raw = values[field.name] ?? '';
    if (raw.trim() === '') continue;
    const problem = (message: string) => ({
      problem: { path: field.name, message: `${field.name}: ${message}` },
    });
    switch (field.kind) {
      case 'number':
      case 'integer': {
        const number = Number(raw);
        if (!Number.isFinite(number)) return problem('must be a number');
        config[field.name] = number;
        break;
      }
      case 'boolean':
        config[field.name] = raw === 'true';
        break;
      case 'json':
        try {
          config[field.name] = JSON.parse(raw);
        } catch {
          return problem('not valid JSON');
        }
        break;
      default:
        config[field.name] = raw;
    }
  }
  return { config };
}
