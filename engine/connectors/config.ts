import { z } from 'zod';
import { decryptSecret, encryptSecret, isEncryptedSecret, type SecretKey } from '../secrets/secrets';
import { ExtraInputError, inputErrorFromZod, InvalidInputError } from './errors';
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
 * Checks a config meant to be stored: every field present must be a field of the connector and valid
 * for it; nothing is required (a stored connection may hold only part of a call's input) and no
 * defaults are filled in (a call gets the defaults of the day it runs).
 */
export function validateStoredConfig(definition: ConnectorDefinition, config: unknown): ConnectorConfig {
  if (!isPlainObject(config)) throw new InvalidInputError('config', 'config: must be an object');
  const shape = definition.inputSchema.shape;
  const result: ConnectorConfig = {};
  for (const [field, value] of Object.entries(config)) {
    if (value === undefined) continue;
    // Own fields only: `constructor` or `toString` must not find Object.prototype's.
    const fieldSchema = Object.hasOwn(shape, field) ? shape[field] : undefined;
    if (fieldSchema === undefined) {
      throw new ExtraInputError(field, `${field}: not an input of connector ${definition.type}`);
    }
    const parsed = z.safeParse(fieldSchema, value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const at = [field, ...(issue?.path ?? []).map(String)].join('.');
      throw new InvalidInputError(at, `${at}: ${issue?.message ?? 'invalid'}`);
    }
    result[field] = parsed.data;
  }
  return result;
}

export function encryptSecretFields(
  definition: ConnectorDefinition,
  key: SecretKey,
  config: ConnectorConfig,
): ConnectorConfig {
  const result = { ...config };
  for (const field of definition.secretFields) {
    const value = result[field];
    if (value !== undefined && !isEncryptedSecret(value)) result[field] = encryptSecret(key, value);
  }
  return result;
}

export function decryptSecretFields(
  definition: ConnectorDefinition,
  key: SecretKey,
  config: ConnectorConfig,
): ConnectorConfig {
  const result = { ...config };
  for (const field of definition.secretFields) {
    const value = result[field];
    if (isEncryptedSecret(value)) result[field] = decryptSecret(key, value);
  }
  return result;
}

/** The config with every secret field of the type (present or not) replaced by `{ set }`. */
export function redactSecretFields(
  definition: ConnectorDefinition,
  config: ConnectorConfig,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...config };
  for (const field of definition.secretFields) {
    const value = config[field];
    result[field] = { set: value !== undefined && value !== null && value !== '' } satisfies RedactedSecret;
  }
  return result;
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

/** Validates a call's merged input with the connector's schema (defaults filled in) and its own rules. */
export function parseCallInput(
  definition: ConnectorDefinition,
  merged: ConnectorConfig,
  checkInput = true,
): Record<string, unknown> {
  const parsed = definition.inputSchema.safeParse(merged);
  if (!parsed.success) throw inputErrorFromZod(definition.type, parsed.error, merged);
  if (checkInput) definition.checkInput?.(parsed.data);
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
