import net from 'node:net';
import pg from 'pg';
import { z } from 'zod';
import { holdsSecrets } from './config';
import { checkDestination, checkSocketDestination, type DestinationPolicy } from './destinations';
import { ConnectorCallError, ConnectorCancelledError, InvalidInputError, MissingInputError } from './errors';
import type { ConnectorContext, ConnectorDefinition } from './types';

const QUERY_MODES = ['fetchval', 'fetchrow', 'fetch', 'execute'] as const;
type QueryMode = (typeof QUERY_MODES)[number];

const sqlpgInputSchema = z.strictObject({
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .refine((value) => URL.canParse(value), 'must be a valid URL')
    .optional()
    .describe(
      'postgres://user:password@host:port/database, instead of host, port, database, user and password (kept secret)',
    ),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).default(5432),
  database: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  password: z.string().optional(),
  ssl: z
    .enum(['disable', 'require', 'verify-full'])
    .default('disable')
    .describe(
      'TLS: disable, require (encrypted, certificate not checked), verify-full (certificate checked)',
    ),
  connect_timeout: z.number().positive().default(10).describe('Seconds to connect'),
  query_timeout: z.number().positive().optional().describe('Seconds a query may run (default: no limit)'),
  fetchval: z
    .string()
    .min(1)
    .optional()
    .describe('SQL answering one value: the first column of the first row'),
  fetchrow: z.string().min(1).optional().describe('SQL answering one row (or null)'),
  fetch: z.string().min(1).optional().describe('SQL answering rows'),
  execute: z.string().min(1).optional().describe('SQL run for its effect: answers the row count'),
  params: z
    .array(z.unknown())
    .default([])
    .describe('Values for $1, $2, ...: sent apart from the SQL, never spliced'),
});

export type SqlpgInput = z.infer<typeof sqlpgInputSchema>;

/** One SQL statement against PostgreSQL, on a connection opened for the call and always closed after. */
export const sqlpgConnector: ConnectorDefinition<typeof sqlpgInputSchema> = {
  type: 'SQLPG',
  title: 'PostgreSQL',
  description: 'Runs SQL on a PostgreSQL database: fetchval, fetchrow, fetch or execute, with $1..$n params.',
  inputSchema: sqlpgInputSchema,
  secretFields: ['password', 'url'],
  // The query is each call's: this.connect('warehouse', { fetchval: 'select 1' }).
  callFields: [...QUERY_MODES, 'params'],
  formGroups: [
    { title: 'Server', fields: ['host', 'port', 'database', 'user', 'password', 'ssl'] },
    { title: 'Advanced', advanced: true, fields: ['url', 'connect_timeout', 'query_timeout'] },
  ],
  keepDestination: keepServer,
  checkInput(input) {
    checkTarget(input);
    const modes = QUERY_MODES.filter((mode) => input[mode] !== undefined);
    if (modes.length === 0) {
      throw new MissingInputError(
        'fetchval',
        'fetchval: one of fetchval, fetchrow, fetch or execute is required',
      );
    }
    if (modes.length > 1) {
      throw new InvalidInputError(
        modes[1]!,
        `${modes[1]}: give only one of fetchval, fetchrow, fetch or execute`,
      );
    }
  },
  async run(input, context) {
    const mode = QUERY_MODES.find((m) => input[m] !== undefined);
    if (mode === undefined) throw new MissingInputError('fetchval', 'fetchval: a query is required');
    return { result: await withClient(input, context, (client) => runQuery(client, mode, input)) };
  },
  async test(input, context) {
    checkTarget(input);
    await withClient(input, context, (client) => client.query('select 1'));
  },
};

function checkTarget(input: SqlpgInput): void {
  if (input.url === undefined && input.host === undefined) {
    throw new MissingInputError('host', 'host: required (or url)');
  }
  if (input.url !== undefined && input.host !== undefined) {
    throw new InvalidInputError(
      'host',
      'host: give either url or host/port/database/user/password, not both',
    );
  }
}

/**
 * A stored connection's server is fixed: a call may not change its host, port, database or ssl (its
 * password would go to another server, or in clear), and a connection holding a password but no host
 * lets no call choose one.
 */
function keepServer(stored: SqlpgInput, input: SqlpgInput, connection: string): void {
  const before = serverOf(stored);
  const after = serverOf(input);
  if (before.host === undefined) {
    if (holdsSecrets(sqlpgConnector, stored) && after.host !== undefined) {
      throw new InvalidInputError(
        'host',
        `host: connection '${connection}' holds a password but no host: store its host, so that no call can send the password elsewhere`,
      );
    }
    return;
  }
  for (const field of ['host', 'port', 'database', 'ssl'] as const) {
    if (before[field] !== after[field]) {
      throw new InvalidInputError(
        input.url !== undefined && field !== 'ssl' ? 'url' : field,
        `${field}: connection '${connection}' connects to ${before.host}:${before.port}/${before.database ?? ''}; ` +
          `a call may not change its ${field}`,
      );
    }
  }
}

/** The server and database an input connects to, from its url or its fields. */
function serverOf(input: SqlpgInput): { host?: string; port: number; database?: string; ssl: string } {
  if (input.url === undefined) {
    return { host: input.host, port: input.port, database: input.database, ssl: input.ssl };
  }
  const url = new URL(input.url);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || undefined,
    port: url.port ? Number(url.port) : input.port,
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    ssl: input.ssl,
  };
}

async function runQuery(client: pg.Client, mode: QueryMode, input: SqlpgInput): Promise<unknown> {
  const text = input[mode]!;
  switch (mode) {
    case 'fetchval': {
      const answer = await client.query({ text, values: input.params, rowMode: 'array' });
      const first = answer.rows[0] as unknown[] | undefined;
      return first?.[0] ?? null;
    }
    case 'fetchrow':
      return (await client.query(text, input.params)).rows[0] ?? null;
    case 'fetch':
      return (await client.query(text, input.params)).rows;
    case 'execute':
      return (await client.query(text, input.params)).rowCount ?? 0;
  }
}

/** Where the call goes, for messages: never the password or the URL (which may hold it). */
function describeTarget(input: SqlpgInput): string {
  if (input.url !== undefined) {
    try {
      const url = new URL(input.url);
      return `${decodeURIComponent(url.username) || '(default user)'}@${url.host}${url.pathname}`;
    } catch {
      return 'the database at url';
    }
  }
  return `${input.user ?? '(default user)'}@${input.host}:${input.port}/${input.database ?? ''}`;
}

/**
 * The client config to connect with, its destination checked: a host name is resolved here and pg is
 * given the checked address (a second lookup by pg could answer another one); TLS still verifies the
 * name. A host that is a path (a Unix socket directory) must be allowed as such.
 */
async function checkedClientConfig(
  input: SqlpgInput,
  destinations: DestinationPolicy,
): Promise<pg.ClientConfig> {
  const config = clientConfig(input);
  // pg's default host; never left to PGHOST of the worker, which the policy has not seen.
  const host = config.host ?? 'localhost';
  const port = config.port ?? 5432;
  if (host.startsWith('/')) {
    checkSocketDestination(destinations, host, port);
    return { ...config, host, port };
  }
  const [first] = await checkDestination(destinations, host, port);
  const ssl =
    typeof config.ssl === 'object' && net.isIP(host) === 0 ? { ...config.ssl, servername: host } : config.ssl;
  return { ...config, host: first!.address, port, ssl };
}

function clientConfig(input: SqlpgInput): pg.ClientConfig {
  const ssl =
    input.ssl === 'disable'
      ? false
      : input.ssl === 'require'
        ? { rejectUnauthorized: false }
        : { rejectUnauthorized: true };
  const common: pg.ClientConfig = {
    ssl,
    connectionTimeoutMillis: input.connect_timeout * 1000,
    query_timeout: input.query_timeout === undefined ? undefined : input.query_timeout * 1000,
    application_name: 'flowline',
  };
  if (input.url !== undefined) {
    // Taken apart rather than passed as a connection string: its own sslmode would override the ssl
    // field, and a URL without a password would let pg fall back to the worker's PGPASSWORD.
    const url = new URL(input.url);
    return {
      ...common,
      host: url.hostname.replace(/^\[(.*)\]$/, '$1') || undefined,
      port: url.port ? Number(url.port) : input.port,
      database: decodeURIComponent(url.pathname.slice(1)) || undefined,
      user: decodeURIComponent(url.username) || undefined,
      password: decodeURIComponent(url.password),
    };
  }
  return {
    ...common,
    host: input.host,
    port: input.port,
    database: input.database,
    user: input.user,
    // An absent password must not fall back to PGPASSWORD or ~/.pgpass of the worker.
    password: input.password ?? '',
  };
}

async function withClient<T>(
  input: SqlpgInput,
  context: ConnectorContext,
  action: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const where = describeTarget(input);
  if (context.signal.aborted) throw new ConnectorCancelledError(`SQLPG ${where}: cancelled`);
  let config: pg.ClientConfig;
  try {
    config = await checkedClientConfig(input, context.destinations);
  } catch (error) {
    if (error instanceof ConnectorCallError)
      error.message = `SQLPG: cannot connect to ${where}: ${error.message}`;
    throw error;
  }
  const client = new pg.Client(config);
  client.on('error', () => {}); // a server going away mid-call surfaces through the pending query
  const onAbort = () => void cancelBackend(config, client).finally(() => client.end().catch(() => {}));
  context.signal.addEventListener('abort', onAbort, { once: true });
  try {
    try {
      await client.connect();
    } catch (error) {
      throw failure(`SQLPG: cannot connect to ${where}`, error, context.signal);
    }
    try {
      const result = await action(client);
      context.log(`SQLPG ${where}: done`);
      return result;
    } catch (error) {
      throw failure(`SQLPG ${where}: query failed`, error, context.signal);
    }
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    await client.end().catch(() => {});
  }
}

function failure(prefix: string, error: unknown, signal: AbortSignal): ConnectorCallError {
  if (signal.aborted) return new ConnectorCancelledError(`${prefix}: cancelled`);
  const pgError = error as { message?: string; code?: string; detail?: string; position?: string };
  const code = pgError.code && /^[0-9A-Z]{5}$/.test(pgError.code) ? ` [SQLSTATE ${pgError.code}]` : '';
  // Only the server's (or socket's) own message: pg's detail may quote row values, and any text of a
  // library error may hold the connection string; callConnector also scrubs the secret values.
  return new ConnectorCallError(`${prefix}: ${pgError.message ?? String(error)}${code}`);
}

/**
 * Stops the running query on the server: closing our socket alone would leave a long query running
 * until it next writes to the client. The cancel goes over a second, short-lived connection.
 */
async function cancelBackend(config: pg.ClientConfig, client: pg.Client): Promise<void> {
  const pid = (client as pg.Client & { processID?: number | null }).processID;
  if (typeof pid !== 'number') return;
  const canceller = new pg.Client(config);
  canceller.on('error', () => {});
  try {
    await canceller.connect();
    await canceller.query('select pg_cancel_backend($1)', [pid]);
  } catch {
    // Best effort: the client's socket is closed next in any case.
  } finally {
    await canceller.end().catch(() => {});
  }
}
