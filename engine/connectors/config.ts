import { z } from 'zod';
import { decryptSecret, encryptSecret, isEncryptedSecret, type SecretKey } from '../secrets/secrets';
import { ExtraInputError, inputErrorFromZod, InvalidInputError, issueMessage } from './errors';
import type { ConnectorDefinition } from './types';

/**
 * How a connector's config moves between the form, the table and a call: validated field by field,
 * secret fields encrypted before storing, decrypted only to make a call, redacted for display.
 */
export type ConnectorConfig = Record<string, unknown>;

/** A secret field as the browser may see it: whether it holds a value, never the value. */
export type RedactedSecret = { set: boolean };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a config meant to be stored: every field present must be a field of the connector, not one
 * only a call gives (callFields), and valid for it; nothing is required (a stored connection may hold only part of a call's input) and no
 * defaults are filled in (a call gets the defaults of the day it runs).
 */
export function validateStoredConfig(definition: ConnectorDefinition, config: unknown): ConnectorConfig {
  if (!isPlainObject(config)) throw new InvalidInputError('config', 'config: must be an object');
  const shape = definition.inputSchema.shape;
  const result: ConnectorConfig = {};
  for (const [field, value] of Object.entries(definition.normalizeConfig?.(config) ?? config)) {
    if (value === undefined) continue;
    // Own fields only: `constructor` or `toString` must not find Object.prototype's.
    const fieldSchema = Object.hasOwn(shape, field) ? shape[field] : undefined;
    if (fieldSchema === undefined) {
      throw new ExtraInputError(field, `${field}: not an input of connector ${definition.type}`);
    }
    if (definition.callFields?.includes(field)) {
      throw new InvalidInputError(
        field,
        `${field}: given by each call, this.connect('<connection>', { ${field}: ... }); a connection does not store it`,
      );
    }
    const parsed = z.safeParse(fieldSchema, value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = [field, ...(issue?.path ?? []).map(String)].join('.');
      throw new InvalidInputError(at, `${at}: ${issue ? issueMessage(issue) : 'invalid'}`);
    }
    result[field] = parsed.data;
  }
  return result;
}

/**
 * Names of headers, query parameters and form fields that carry credentials: `Authorization`,
 * `X-Api-Key`, `api_key`, `access_token`, `Cookie`, `client_secret`, `password`, `key`, `sig`, ...
 * Generous on purpose: a name taken for a secret wrongly is only hidden; a secret taken for a name is leaked.
 */
const CREDENTIAL_NAME =
  /auth(?!ors?$)|token|secret|passw|pwd|api[-_]?key|apikey|access[-_]?key|private[-_]?key|session|cookie|signature|credential|^key$|^sig$/i;

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/** Which fields of a config hold secrets: whole fields, and credential-named entries of record fields. */
export type SecretRules = Pick<ConnectorDefinition, 'secretFields' | 'secretEntryFields'>;

/**
 * The config with every secret value present (a secret field, or a credential-named entry of a record
 * field such as `headers.X-Api-Key`) replaced by `protect(value)`; everything else as it was.
 */
export function mapSecrets(
  rules: SecretRules,
  config: ConnectorConfig,
  protect: (value: unknown) => unknown,
): ConnectorConfig {
  const result: ConnectorConfig = { ...config };
  for (const field of rules.secretFields) {
    if (Object.hasOwn(config, field) && config[field] !== undefined) result[field] = protect(config[field]);
  }
  for (const field of rules.secretEntryFields ?? []) {
    const entries = config[field];
    if (!Object.hasOwn(config, field) || !isPlainObject(entries)) continue;
    result[field] = Object.fromEntries(
      Object.entries(entries).map(([name, value]) => [
        name,
        isCredentialName(name) && value !== undefined ? protect(value) : value,
      ]),
    );
  }
  return result;
}

/** Every plain-text secret string of a config (to scrub from messages). */
export function secretStrings(rules: SecretRules, config: ConnectorConfig): string[] {
  const found: string[] = [];
  mapSecrets(rules, config, (value) => {
    if (typeof value === 'string') found.push(value);
    return value;
  });
  return found;
}

export function encryptSecretFields(
  definition: ConnectorDefinition,
  key: SecretKey,
  config: ConnectorConfig,
): ConnectorConfig {
  return mapSecrets(definition, config, (value) =>
    isEncryptedSecret(value) ? value : encryptSecret(key, value),
  );
}

export function decryptSecretFields(
  definition: ConnectorDefinition,
  key: SecretKey,
  config: ConnectorConfig,
): ConnectorConfig {
  return mapSecrets(definition, config, (value) =>
    isEncryptedSecret(value) ? decryptSecret(key, value) : value,
  );
}

/** Whether a value is a secret as the browser is shown it (`{ set: true }`): sent back, it means "unchanged". */
export function isRedactedSecret(value: unknown): value is RedactedSecret {
  return isPlainObject(value) && typeof value.set === 'boolean' && Object.keys(value).length === 1;
}

/** The config with every secret replaced by `{ set }`; each secret field of the type is there, set or not. */
export function redactSecretFields(
  definition: ConnectorDefinition,
  config: ConnectorConfig,
): Record<string, unknown> {
  const result = mapSecrets(definition, config, (value) => ({
    set: value !== null && value !== '',
  }));
  for (const field of definition.secretFields) {
    if (!isRedactedSecret(result[field])) result[field] = { set: false } satisfies RedactedSecret;
  }
  return result;
}

/** Whether a config holds any secret (a stored connection with secrets must keep its destination). */
export function holdsSecrets(rules: SecretRules, config: ConnectorConfig): boolean {
  let found = false;
  mapSecrets(rules, config, (value) => {
    if (value !== null && value !== '') found = true;
    return value;
  });
  return found;
}

/**
 * A call's input over a stored config: top-level fields replace stored ones, except that two plain
 * objects (headers, params, ...) merge one level deep, so a call can add a header without losing the
 * connection's own.
 */
export function mergeInput(stored: ConnectorConfig, input: ConnectorConfig): ConnectorConfig {
  // A Map, then Object.fromEntries: a field named `__proto__` stays a field, never the prototype.
  const merged = new Map(Object.entries(stored));
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const before = merged.get(field);
    merged.set(field, isPlainObject(before) && isPlainObject(value) ? { ...before, ...value } : value);
  }
  return Object.fromEntries(merged);
}

/** Validates a call's merged input with the connector's schema (secrets moved, defaults filled in). */
export function parseCallInput(
  definition: ConnectorDefinition,
  merged: ConnectorConfig,
): Record<string, unknown> {
  const normalised = definition.normalizeConfig?.(merged) ?? merged;
  const parsed = definition.inputSchema.safeParse(normalised);
  if (!parsed.success) throw inputErrorFromZod(definition.type, parsed.error, normalised);
  return parsed.data;
}

/** Replaces any secret value that found its way into a text (an error message from a library) by ***. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && encoded.length >= 4) scrubbed = scrubbed.split(encoded).join('***');
  }
  return scrubbed;
}

/** A log line's data with every secret in its strings replaced by *** (see scrubSecrets). */
export function scrubValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return scrubSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubValue(v, secrets)]));
  }
  return value;
}
