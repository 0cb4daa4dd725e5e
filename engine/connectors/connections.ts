import { flowNameProblem } from '../flows/name';
import { SecretDecryptionError, type SecretKey } from '../secrets/secrets';
import type { Db } from '../store/db';
import type { Connection } from '../store/database';
import {
  deleteConnectionRow,
  getConnectionByName,
  insertConnection,
  listConnections as listConnectionRows,
  updateConnectionRow,
  type ConnectionSummary,
} from '../store/connections';
import {
  decryptSecretFields,
  encryptSecretFields,
  isCredentialName,
  isPlainObject,
  isRedactedSecret,
  redactSecretFields,
  validateStoredConfig,
  type ConnectorConfig,
} from './config';
import type { DestinationPolicy } from './destinations';
import { UserError } from '../errors';
import { ConnectorCallError, ConnectorInputError, InvalidInputError, RestStatusError } from './errors';
import {
  getConnector,
  processDestinationPolicy,
  resolveConnectorCall,
  testResolvedCall,
  type ConnectorTarget,
} from './index';
import type { ConnectorDefinition } from './types';

/** Stored connections as the UI and the REST API handle them: secrets go in, never come out. */
export type ConnectionView = {
  id: string;
  name: string;
  connector_type: string;
  /** Secret fields are `{ set: boolean }`. */
  config: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
};

/** Connection names follow the flow name rules (engine/flows/name.ts). */
export function assertValidConnectionName(name: string): void {
  const problem = flowNameProblem(name);
  if (problem) throw new InvalidInputError('name', problem.replace('A flow name', 'A connection name'));
}

function toView(row: Connection): ConnectionView {
  return {
    id: row.id,
    name: row.name,
    connector_type: row.connector_type,
    config: redactSecretFields(getConnector(row.connector_type), row.config),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export async function listConnections(db: Db): Promise<ConnectionSummary[]> {
  return listConnectionRows(db);
}

export async function getConnection(db: Db, name: string): Promise<ConnectionView> {
  return toView(await getConnectionByName(db, name));
}

export async function createConnection(
  db: Db,
  secretKey: SecretKey,
  input: { name: string; connector_type: string; config: unknown; userId: string | null },
): Promise<ConnectionView> {
  assertValidConnectionName(input.name);
  const definition = getConnector(input.connector_type);
  const row = await insertConnection(db, {
    name: input.name,
    connector_type: definition.type,
    config: encryptSecretFields(definition, secretKey, newConfig(definition, input.config)),
    userId: input.userId,
  });
  return toView(row);
}

/**
 * Replaces a connection's config (and name, when given). Secret fields are write-only: absent, empty or
 * as shown (`{ set: true }`) keeps the stored value, null removes it, anything else replaces it. A
 * secret entry of a record field (`headers.X-Api-Key`) sent back as shown keeps its stored value too;
 * left out, it is removed with the rest of the record's entries that are left out.
 */
export async function updateConnection(
  db: Db,
  secretKey: SecretKey,
  name: string,
  input: { name?: string; config: unknown; userId: string | null },
): Promise<ConnectionView> {
  const newName = input.name ?? name;
  assertValidConnectionName(newName);
  const current = await getConnectionByName(db, name);
  const definition = getConnector(current.connector_type);
  const config = updatedConfig(definition, secretKey, current.config, input.config);
  return toView(await updateConnectionRow(db, name, { name: newName, config, userId: input.userId }));
}

/** A new connection's config as it is stored, before its secrets are encrypted. */
function newConfig(definition: ConnectorDefinition, config: unknown): ConnectorConfig {
  return validateStoredConfig(definition, withoutEmptySecrets(definition.secretFields, config));
}

/** What an update of the `stored` (encrypted) config with `requested` stores: see updateConnection. */
function updatedConfig(
  definition: ConnectorDefinition,
  secretKey: SecretKey,
  stored: ConnectorConfig,
  requested: unknown,
): ConnectorConfig {
  if (!isPlainObject(requested)) throw new InvalidInputError('config', 'config: must be an object');
  const cleared = definition.secretFields.filter((field) => requested[field] === null);
  const given = withoutEmptySecrets(
    definition.secretFields,
    keepShownSecretEntries(definition, requested, stored),
  );
  const config = encryptSecretFields(definition, secretKey, validateStoredConfig(definition, given));
  for (const field of definition.secretFields) {
    if (config[field] === undefined && !cleared.includes(field) && stored[field] !== undefined) {
      config[field] = stored[field];
    }
  }
  return config;
}

export async function deleteConnection(db: Db, name: string): Promise<void> {
  await deleteConnectionRow(db, name);
}

/**
 * How "Test connection" went: ok, or the reason, with the input `field` it is about (its dotted path)
 * and, for an unexpected HTTP status, the `body` the server answered, apart from the message.
 */
export type ConnectionTestResult =
  { ok: true } | { ok: false; message: string; field?: string; body?: string };

type TestOptions = { signal?: AbortSignal; destinations?: DestinationPolicy };

/** "Test connection": the connector's own cheap check of a stored connection (or an ad-hoc config). */
export async function testConnection(
  db: Db,
  secretKey: SecretKey,
  target: ConnectorTarget,
  options: TestOptions = {},
): Promise<ConnectionTestResult> {
  return answerTest(() => runTest(db, secretKey, target, options));
}

/**
 * A connection as its form holds it, not saved: an edit of the stored connection `name` (its secrets
 * apply where the form leaves them empty, as Save would keep them) or a new one of `connector_type`.
 */
export type UnsavedConnection =
  { name: string; config: unknown } | { connector_type: string; config: unknown };

/**
 * "Test connection" on the form, before saving: the config Save would store is tested, and nothing is
 * written. A config Save would refuse answers that refusal, naming the field.
 */
export async function testUnsavedConnection(
  db: Db,
  secretKey: SecretKey,
  unsaved: UnsavedConnection,
  options: TestOptions = {},
): Promise<ConnectionTestResult> {
  return answerTest(async () => {
    let target: ConnectorTarget;
    if ('name' in unsaved) {
      const current = await getConnectionByName(db, unsaved.name);
      const definition = getConnector(current.connector_type);
      const config = updatedConfig(definition, secretKey, current.config, unsaved.config);
      target = { ...decryptSecretFields(definition, secretKey, config), connector_type: definition.type };
    } else {
      const definition = getConnector(unsaved.connector_type);
      target = { ...newConfig(definition, unsaved.config), connector_type: definition.type };
    }
    await runTest(db, secretKey, target, options);
  });
}

async function runTest(
  db: Db,
  secretKey: SecretKey,
  target: ConnectorTarget,
  options: TestOptions,
): Promise<void> {
  const call = await resolveConnectorCall({ db, secretKey, target, checkInput: false });
  await testResolvedCall(call, {
    signal: options.signal ?? new AbortController().signal,
    log: () => {},
    destinations: options.destinations ?? processDestinationPolicy(db),
  });
}

/** A test's failures a user can act on become its answer; anything else stays an error. */
async function answerTest(test: () => Promise<void>): Promise<ConnectionTestResult> {
  try {
    await test();
    return { ok: true };
  } catch (error) {
    if (error instanceof RestStatusError && error.bodyExcerpt !== '') {
      return { ok: false, message: error.summary, body: error.bodyExcerpt };
    }
    if (error instanceof ConnectorInputError) {
      return { ok: false, message: error.message, field: error.field };
    }
    if (
      error instanceof UserError ||
      error instanceof ConnectorCallError ||
      error instanceof SecretDecryptionError
    ) {
      return { ok: false, message: error.message };
    }
    throw error;
  }
}

function withoutEmptySecrets(secretFields: readonly string[], config: unknown): unknown {
  if (!isPlainObject(config)) return config;
  const result = { ...config };
  for (const field of secretFields) {
    if (result[field] === '' || result[field] === null || isRedactedSecret(result[field]))
      delete result[field];
  }
  return result;
}

/** Secret entries sent back as shown (`{ set: true }`) take the stored (encrypted) value again. */
function keepShownSecretEntries(
  definition: ConnectorDefinition,
  requested: ConnectorConfig,
  stored: ConnectorConfig,
): ConnectorConfig {
  const result = { ...requested };
  for (const field of definition.secretEntryFields ?? []) {
    const entries = requested[field];
    if (!Object.hasOwn(requested, field) || !isPlainObject(entries)) continue;
    const before = isPlainObject(stored[field]) ? stored[field] : {};
    const kept = Object.entries(entries).flatMap(([name, value]): Array<[string, unknown]> => {
      if (!isCredentialName(name) || !isRedactedSecret(value)) return [[name, value]];
      return Object.hasOwn(before, name) ? [[name, before[name]]] : [];
    });
    result[field] = Object.fromEntries(kept);
  }
  return result;
}
