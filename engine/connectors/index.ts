import { readEngineConfig } from '../config';
import { databaseUrlOf, type Db } from '../store/db';
import { getConnectionByName } from '../store/connections';
import { encryptSecret, secretMac, type SecretKey } from '../secrets/secrets';
import {
  decryptSecretFields,
  isPlainObject,
  mapSecrets,
  mergeInput,
  parseCallInput,
  redactSecretFields,
  scrubSecrets,
  scrubValue,
  secretStrings,
  type ConnectorConfig,
  type SecretRules,
} from './config';
import { destinationPolicy, type DestinationPolicy } from './destinations';
import { UserError } from '../errors';
import { ConnectorCallError, InvalidInputError, UnknownConnectorTypeError } from './errors';
import { restConnector } from './rest';
import { sqlpgConnector } from './sqlpg';
import type { ConnectorContext, ConnectorDefinition } from './types';

/** Every connector type Flowline knows. Adding one: a file beside this one, and a line here. */
export const connectors: readonly ConnectorDefinition[] = [restConnector, sqlpgConnector];

export function findConnector(type: string): ConnectorDefinition | undefined {
  return connectors.find((connector) => connector.type === type);
}

export function getConnector(type: unknown): ConnectorDefinition {
  const connector = typeof type === 'string' ? findConnector(type) : undefined;
  if (!connector)
    throw new UnknownConnectorTypeError(
      type,
      connectors.map((c) => c.type),
    );
  return connector;
}

/** A stored connection's name, or an ad-hoc config naming its type: `{ connector_type: 'REST', url: ... }`. */
export type ConnectorTarget = string | ({ connector_type: string } & ConnectorConfig);

export type ResolvedConnectorCall = {
  definition: ConnectorDefinition;
  /** The stored connection's name; null for an ad-hoc call. */
  connectionName: string | null;
  /** Validated input, defaults filled in, secrets in plain text: only for run(). */
  input: Record<string, unknown>;
  /** The same input with secret fields as `{ set }`: safe to record as the execution's input or log. */
  redactedInput: Record<string, unknown>;
  /** Plain-text secret values, to scrub from messages that libraries might echo them in. */
  secretValues: string[];
};

/**
 * Loads and decrypts the stored connection (or takes the ad-hoc config), merges the call's input over
 * it and validates the result. Throws MissingInputError / InvalidInputError / ExtraInputError naming the
 * field, ConnectionNotFoundError for an unknown name, UnknownConnectorTypeError for an unknown type.
 */
export async function resolveConnectorCall(options: {
  db: Db;
  secretKey: SecretKey;
  target: ConnectorTarget;
  input?: unknown;
  /** false for "Test connection": a stored connection need not hold what only a call gives (a query). */
  checkInput?: boolean;
}): Promise<ResolvedConnectorCall> {
  const input = options.input ?? {};
  if (!isPlainObject(input)) throw new InvalidInputError('input', 'input: must be an object');
  const { connector_type: inputType, ...callInput } = input;
  let definition: ConnectorDefinition;
  let stored: ConnectorConfig;
  let connectionName: string | null = null;
  if (typeof options.target === 'string') {
    const row = await getConnectionByName(options.db, options.target);
    definition = getConnector(row.connector_type);
    stored = decryptSecretFields(definition, options.secretKey, row.config);
    connectionName = row.name;
    if (inputType !== undefined && inputType !== definition.type) {
      throw new InvalidInputError(
        'connector_type',
        `connector_type: connection '${row.name}' is of type ${definition.type}, not ${String(inputType)}`,
      );
    }
  } else {
    if (!isPlainObject(options.target))
      throw new InvalidInputError('connector_type', 'connector_type: required');
    const { connector_type: type, ...config } = options.target;
    definition = getConnector(type);
    stored = config;
  }
  const parsed = parseCallInput(definition, mergeInput(stored, callInput));
  if (connectionName !== null && definition.keepDestination) {
    definition.keepDestination(parseCallInput(definition, stored), parsed, connectionName);
  }
  if (options.checkInput ?? true) definition.checkInput?.(parsed);
  const secretValues = [...secretStrings(definition, parsed), ...(definition.secretForms?.(parsed) ?? [])];
  return {
    definition,
    connectionName,
    input: parsed,
    redactedInput: redactSecretFields(definition, parsed),
    secretValues,
  };
}

/**
 * One connector call, as `this.connect(...)` makes it: resolve (see resolveConnectorCall), then run.
 * Failures of the call itself are ConnectorCallError (and subclasses) whose messages never hold a secret.
 */
export async function callConnector(options: {
  db: Db;
  secretKey: SecretKey;
  target: ConnectorTarget;
  input?: unknown;
  signal?: AbortSignal;
  log?: ConnectorContext['log'];
  /** Where the call may connect; by default this process's policy (see processDestinationPolicy). */
  destinations?: DestinationPolicy;
}): Promise<unknown> {
  const call = await resolveConnectorCall(options);
  return runResolvedCall(call, {
    signal: options.signal ?? new AbortController().signal,
    log: options.log ?? (() => {}),
    destinations: options.destinations ?? processDestinationPolicy(options.db),
  });
}

/**
 * The destination policy of this process: FLOWLINE_CONNECT_DENY and FLOWLINE_CONNECT_ALLOW (checked at
 * start, see engine/config.ts), and the database `db` talks to as Flowline's own.
 */
export function processDestinationPolicy(db: Db, env: NodeJS.ProcessEnv = process.env): DestinationPolicy {
  const config = readEngineConfig(env);
  return destinationPolicy({
    deny: config.connectDeny,
    allow: config.connectAllow,
    databaseUrl: databaseUrlOf(db) ?? config.databaseUrl,
  });
}

export async function runResolvedCall(
  call: ResolvedConnectorCall,
  context: ConnectorContext,
): Promise<unknown> {
  return guardSecrets(call, () => call.definition.run(call.input, scrubbingLogs(call, context)));
}

/** Runs the connector's test() (or, lacking one, only validates), for the "Test connection" button. */
export async function testResolvedCall(
  call: ResolvedConnectorCall,
  context: ConnectorContext,
): Promise<void> {
  const test = call.definition.test;
  if (test) await guardSecrets(call, () => test(call.input, scrubbingLogs(call, context)));
}

/** The context with a log that replaces any secret of the call in its lines and data by ***. */
function scrubbingLogs(call: ResolvedConnectorCall, context: ConnectorContext): ConnectorContext {
  return {
    ...context,
    log: (message, data) =>
      context.log(
        scrubSecrets(message, call.secretValues),
        data === undefined ? undefined : scrubValue(data, call.secretValues),
      ),
  };
}

async function guardSecrets<T>(call: ResolvedConnectorCall, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof UserError || error instanceof ConnectorCallError) {
      error.message = scrubSecrets(error.message, call.secretValues);
      if (error.stack) error.stack = scrubSecrets(error.stack, call.secretValues);
      // And the error's own text fields (RestStatusError's body excerpt may quote the credentials).
      const fields = error as unknown as Record<string, unknown>;
      for (const [field, value] of Object.entries(fields)) {
        if (typeof value === 'string') fields[field] = scrubSecrets(value, call.secretValues);
      }
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new ConnectorCallError(`${call.definition.type}: ${scrubSecrets(message, call.secretValues)}`);
  }
}

/** A config (stored or plain) of connector `type` with its secret fields replaced by `{ set: boolean }`. */
export function redactSecrets(type: string, config: ConnectorConfig): Record<string, unknown> {
  return redactSecretFields(getConnector(type), config);
}

/**
 * Any connector's secrets, for a `this.connect(...)` call before its type is known (a stored
 * connection's name says nothing of it): a field secret for one connector is sealed for all.
 */
const anyConnectorSecrets: SecretRules = {
  secretFields: [...new Set(connectors.flatMap((c) => c.secretFields))],
  secretEntryFields: [...new Set(connectors.flatMap((c) => c.secretEntryFields ?? []))],
};

export type ConnectCall = { connection: unknown; input: unknown };

/**
 * The call with `protect` applied to its secrets. Any connector's rules, also for an ad-hoc config that
 * names its type: the call is recorded as written, before a REST url's user info is moved to password
 * (see normalizeConfig), and SQLPG's rules seal every `url`.
 */
function protectCall<T extends ConnectCall>(call: T, protect: (value: unknown) => unknown): T {
  const protectConfig = (config: unknown) =>
    isPlainObject(config) ? mapSecrets(anyConnectorSecrets, config, protect) : config;
  // Only secret values change, each into a string: the call keeps its shape.
  return { ...call, connection: protectConfig(call.connection), input: protectConfig(call.input) } as T;
}

/** A `this.connect(...)` call as the journal records it: every value that may hold a secret encrypted. */
export function sealCallSecrets<T extends ConnectCall>(key: SecretKey, call: T): T {
  return protectCall(call, (value) => encryptSecret(key, value));
}

/**
 * The same call as its journal hash covers it: every such value as a keyed MAC, so a replay with the
 * same secrets hashes the same (the sealed form does not: each encryption has a fresh IV), and the hash
 * cannot be used to guess a secret without the key (a plain hash of a weak password could).
 */
export function macCallSecrets<T extends ConnectCall>(key: SecretKey, call: T): T {
  return protectCall(call, (value) => secretMac(key, value));
}

export type { ConnectorContext, ConnectorDefinition } from './types';
export { DestinationRefusedError, type DestinationPolicy } from './destinations';
export * from './errors';
