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
import { ConnectorCallError, InvalidInputError } from './errors';
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
  const config = validateStoredConfig(definition, withoutEmptySecrets(definition.secretFields, input.config));
  const row = await insertConnection(db, {
    name: input.name,
    connector_type: definition.type,
    config: encryptSecretFields(definition, secretKey, config),
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
  const requested = input.config;
  if (!isPlainObject(requested)) throw new InvalidInputError('config', 'config: must be an object');
  const cleared = definition.secretFields.filter((field) => requested[field] === null);
  const given = withoutEmptySecrets(
    definition.secretFields,
    keepShownSecretEntries(definition, requested, current.config),
  );
  const config = encryptSecretFields(definition, secretKey, validateStoredConfig(definition, given));
  for (const field of definition.secretFields) {
    if (config[field] === undefined && !cleared.includes(field) && current.config[field] !== undefined) {
      config[field] = current.config[field];
    }
  }
  return toView(await updateConnectionRow(db, name, { name: newName, config, userId: input.userId }));
}

export async function deleteConnection(db: Db, name: string): Promise<void> {
  await deleteConnectionRow(db, name);
}

export type ConnectionTestResult = { ok: true } | { ok: false; message: string };

/** "Test connection": the connector's own cheap check, answered as ok or the error's message. */
export async function testConnection(
  db: Db,
  secretKey: SecretKey,
  target: ConnectorTarget,
  options: { signal?: AbortSignal; destinations?: DestinationPolicy } = {},
): Promise<ConnectionTestResult> {
  try {
    const call = await resolveConnectorCall({ db, secretKey, target, checkInput: false });
    await testResolvedCall(call, {
      signal: options.signal ?? new AbortController().signal,
      log: () => {},
      destinations: options.destinations ?? processDestinationPolicy(db),
    });
    return { ok: true };
  } catch (error) {
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
