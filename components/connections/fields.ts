import type { ConnectorField } from '@/engine/connectors/form';

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

export type ConfigResult = { config: Record<string, unknown> } | { field: string; error: string };

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
    switch (field.kind) {
      case 'number':
      case 'integer': {
        const number = Number(raw);
        if (!Number.isFinite(number)) return { field: field.name, error: `${field.name}: must be a number` };
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
          return { field: field.name, error: `${field.name}: not valid JSON` };
        }
        break;
      default:
        config[field.name] = raw;
    }
  }
  return { config };
}
