import type { LookupAddress } from 'node:dns';
import type net from 'node:net';
import { Agent, fetch, Headers, type Response } from 'undici';
import { z } from 'zod';
import { holdsSecrets, isCredentialName, isPlainObject, type ConnectorConfig } from './config';
import { checkDestination, DestinationRefusedError, type CheckedAddress } from './destinations';
import {
  ConnectorCallError,
  ConnectorCancelledError,
  ConnectorTimeoutError,
  InvalidInputError,
  MissingInputError,
  RestStatusError,
} from './errors';
import type { ConnectorContext, ConnectorDefinition } from './types';

const DEFAULT_EXPECTED_STATUS = [200, 201, 202, 204];
/** Statuses worth another try when retries are on (and the status is not an expected one). */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const EXCERPT_CHARS = 300;
/** Redirects followed before a call fails: each one is checked against the destination policy. */
const MAX_REDIRECTS = 10;
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const statusCode = z.number().int().min(100).max(599);

const restInputSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Full URL, e.g. https://api.example.com/v1'),
  scheme: z.enum(['http', 'https']).optional().describe('With hostname, instead of url (default https)'),
  hostname: z.string().min(1).optional().describe('Host name or address, instead of url'),
  port: z.number().int().min(1).max(65535).optional(),
  path: z.string().optional().describe('Appended to url, or the path after hostname'),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  params: z
    .record(z.string(), z.union([scalar, z.array(scalar)]))
    .optional()
    .describe('Query parameters'),
  headers: z.record(z.string(), z.string()).optional(),
  json: z.unknown().optional().describe('Body sent as JSON'),
  text: z.string().optional().describe('Body sent as text/plain'),
  form: z.record(z.string(), scalar).optional().describe('Body sent as application/x-www-form-urlencoded'),
  username: z.string().optional().describe('Basic auth user'),
  password: z.string().optional().describe('Basic auth password'),
  bearer_token: z.string().optional().describe('Sent as Authorization: Bearer <token>'),
  expected_status_code: z
    .union([statusCode, z.array(statusCode).min(1)])
    .optional()
    .describe('Default 200, 201, 202, 204; any other status fails the call'),
  connect_timeout: z.number().positive().default(10).describe('Seconds to establish the connection'),
  read_timeout: z
    .number()
    .positive()
    .default(60)
    .describe('Seconds to wait for the answer, and between its parts'),
  retries: z.number().int().min(0).max(100).default(0).describe('Further tries after a failure (0: off)'),
  retry_initial_delay: z.number().nonnegative().default(1).describe('Seconds before the first retry'),
  retry_max_delay: z.number().nonnegative().default(60).describe('Longest wait between tries, seconds'),
  retry_multiplier: z.number().min(1).default(2).describe('Each wait is this many times the one before'),
  retry_deadline: z
    .number()
    .positive()
    .default(600)
    .describe('No new try starts this many seconds after the first'),
});

export type RestInput = z.infer<typeof restInputSchema>;

export type RestOutput = {
  status_code: number;
  headers: Record<string, string>;
  json?: unknown;
  text?: string;
};

/** One HTTP call with the input's method, URL, headers and body; retried on network errors and 408/429/5xx. */
export const restConnector: ConnectorDefinition<typeof restInputSchema> = {
  type: 'REST',
  title: 'REST',
  description: 'HTTP requests to a web API: JSON, text or form bodies, basic or bearer auth, retries.',
  inputSchema: restInputSchema,
  secretFields: ['password', 'bearer_token'],
  secretEntryFields: ['headers', 'params', 'form'],
  formGroups: [
    { title: 'Address', fields: ['url', 'path', 'method'] },
    { title: 'Authentication', fields: ['username', 'password', 'bearer_token'] },
    {
      title: 'Request',
      advanced: true,
      fields: ['headers', 'params', 'json', 'text', 'form', 'expected_status_code'],
    },
    { title: 'Address by parts', advanced: true, fields: ['scheme', 'hostname', 'port'] },
    {
      title: 'Timeouts and retries',
      advanced: true,
      fields: [
        'connect_timeout',
        'read_timeout',
        'retries',
        'retry_initial_delay',
        'retry_max_delay',
        'retry_multiplier',
        'retry_deadline',
      ],
    },
  ],
  normalizeConfig: moveUrlSecrets,
  secretForms: (input) => (input.username === undefined ? [] : [basicCredentials(input)]),
  keepDestination: keepBaseUrl,
  checkInput: checkRestInput,
  run: runRest,
  async test(input, context) {
    checkRestInput(input);
    await callOnce(input, buildUrl(input), context);
  },
};

function checkRestInput(input: RestInput): void {
  if (input.url === undefined && input.hostname === undefined) {
    throw new MissingInputError('url', 'url: required (or hostname, with scheme, port and path)');
  }
  if (input.url !== undefined) {
    for (const field of ['hostname', 'scheme', 'port'] as const) {
      if (input[field] !== undefined) {
        throw new InvalidInputError(field, `${field}: give either url or scheme/hostname/port, not both`);
      }
    }
  }
  const bodies = (['json', 'text', 'form'] as const).filter((field) => input[field] !== undefined);
  if (bodies.length > 1) {
    throw new InvalidInputError(bodies[1]!, `${bodies[1]}: only one body is allowed, json, text or form`);
  }
  if (input.password !== undefined && input.username === undefined) {
    throw new MissingInputError('username', 'username: required with password (basic auth)');
  }
  if (input.username !== undefined && input.bearer_token !== undefined) {
    throw new InvalidInputError('bearer_token', 'bearer_token: use either basic auth or a bearer token');
  }
}

/**
 * A url's user info becomes username / password, and its credential query parameters (api_key, token,
 * ...) become params entries: there they are secrets (encrypted, redacted), the url no longer holds any.
 * fetch refuses a URL with user info anyway; basic auth is what it means.
 */
function moveUrlSecrets(config: ConnectorConfig): ConnectorConfig {
  if (typeof config.url !== 'string' || !URL.canParse(config.url)) return config;
  const url = new URL(config.url);
  const moved: ConnectorConfig = { ...config };
  if (url.username !== '' || url.password !== '') {
    if (config.username !== undefined || config.password !== undefined) {
      throw new InvalidInputError(
        'url',
        'url: give the user either in the url or as username/password, not both',
      );
    }
    moved.username = decodeURIComponent(url.username);
    if (url.password !== '') moved.password = decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
  }
  const secretNames = [...new Set([...url.searchParams.keys()].filter(isCredentialName))];
  if (secretNames.length > 0) {
    const params = isPlainObject(config.params) ? { ...config.params } : {};
    for (const name of secretNames) {
      if (Object.hasOwn(params, name)) {
        throw new InvalidInputError(
          `params.${name}`,
          `params.${name}: also given in the url's query; give it once`,
        );
      }
      const values = url.searchParams.getAll(name);
      params[name] = values.length === 1 ? values[0] : values;
      url.searchParams.delete(name);
    }
    moved.params = params;
  }
  moved.url = url.href;
  return moved;
}

/**
 * A stored connection's destination is fixed: a call may add a path below its url (and params), not
 * change scheme, host or port, nor leave the url's path with `..`. A connection holding credentials but
 * no url lets no call choose one: the credentials would go wherever the call says.
 */
function keepBaseUrl(stored: RestInput, input: RestInput, connection: string): void {
  const base = storedBase(stored);
  if (base === undefined) {
    if (holdsSecrets(restConnector, stored) && (input.url !== undefined || input.hostname !== undefined)) {
      throw new InvalidInputError(
        'url',
        `url: connection '${connection}' holds credentials but no url: store its url, so that no call can send them elsewhere`,
      );
    }
    return;
  }
  for (const field of ['url', 'scheme', 'hostname', 'port'] as const) {
    if (input[field] !== stored[field]) {
      throw new InvalidInputError(
        field,
        `${field}: connection '${connection}' sends to ${describeUrl(base)}; a call may give a path below it and params, not another ${field}`,
      );
    }
  }
  const target = buildUrl(input);
  const basePath = base.pathname.replace(/\/+$/, '');
  const below = target.pathname === basePath || target.pathname.startsWith(`${basePath}/`);
  if (target.origin !== base.origin || !below) {
    throw new InvalidInputError(
      'path',
      `path: ${describeUrl(target)} is not below ${describeUrl(base)}, the url of connection '${connection}'`,
    );
  }
}

/** The url a stored connection sends to: its url, or its scheme, hostname and port (any path below). */
function storedBase(stored: RestInput): URL | undefined {
  if (stored.url !== undefined) return new URL(stored.url);
  if (stored.hostname === undefined) return undefined;
  return buildUrl({ ...stored, path: undefined, params: undefined });
}

function buildUrl(input: RestInput): URL {
  let url: URL;
  if (input.url !== undefined) {
    url = new URL(input.url);
    if (input.path !== undefined && input.path !== '') {
      url.pathname = `${url.pathname.replace(/\/+$/, '')}/${input.path.replace(/^\/+/, '')}`;
    }
  } else {
    try {
      url = new URL(`${input.scheme ?? 'https'}://${input.hostname}`);
    } catch {
      throw new InvalidInputError('hostname', 'hostname: not a valid host name');
    }
    if (input.port !== undefined) url.port = String(input.port);
    if (input.path !== undefined) url.pathname = input.path.startsWith('/') ? input.path : `/${input.path}`;
  }
  for (const [name, value] of Object.entries(input.params ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(item));
  }
  return url;
}

/** The URL as it may appear in messages and logs: no user info, no query (either may hold a secret). */
function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

async function runRest(input: RestInput, context: ConnectorContext): Promise<RestOutput> {
  const url = buildUrl(input);
  const started = Date.now();
  let delay = input.retry_initial_delay;
  for (let attempt = 1; ; attempt += 1) {
    let failure: unknown;
    try {
      return await callOnce(input, url, context);
    } catch (error) {
      failure = error;
    }
    const retryable =
      failure instanceof ConnectorTimeoutError ||
      (failure instanceof RestStatusError && RETRYABLE_STATUS.has(failure.status)) ||
      (failure instanceof ConnectorCallError && !(failure instanceof RestStatusError) && !isFinal(failure));
    const waitMs = Math.min(delay, input.retry_max_delay) * 1000;
    const pastDeadline = Date.now() + waitMs - started > input.retry_deadline * 1000;
    if (!retryable || attempt > input.retries || pastDeadline) throw failure;
    context.log(
      `${input.method} ${describeUrl(url)} failed (try ${attempt}), retrying in ${waitMs / 1000} s`,
      {
        error: (failure as Error).message,
      },
    );
    await sleep(waitMs, context.signal);
    delay *= input.retry_multiplier;
  }
}

/** Failures another try cannot change: a cancelled call, a refused destination. */
function isFinal(error: unknown): boolean {
  return error instanceof ConnectorCancelledError || error instanceof DestinationRefusedError;
}

async function callOnce(input: RestInput, url: URL, context: ConnectorContext): Promise<RestOutput> {
  const where = `${input.method} ${describeUrl(url)}`;
  if (context.signal.aborted) throw new ConnectorCancelledError(`${where}: cancelled`);
  const readMs = input.read_timeout * 1000;
  const checked = new Map<string, CheckedAddress[]>();
  const agent = new Agent({
    connect: { timeout: input.connect_timeout * 1000, lookup: checkedLookup(checked) },
    headersTimeout: readMs,
    bodyTimeout: readMs,
  });
  try {
    const response = await followRedirects(input, url, context, agent, checked);
    let bodyText: string;
    try {
      bodyText = input.method === 'HEAD' ? '' : await response.text();
    } catch (error) {
      throw callError(where, error, context.signal, input);
    }
    const expected = expectedStatuses(input);
    if (!expected.includes(response.status)) {
      const excerpt = bodyText.length > EXCERPT_CHARS ? `${bodyText.slice(0, EXCERPT_CHARS)}…` : bodyText;
      throw new RestStatusError(
        `${where} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}, ` +
          `expected ${expected.join(', ')}`,
        response.status,
        excerpt,
      );
    }
    context.log(`${where} -> ${response.status}`);
    return toOutput(response, bodyText);
  } finally {
    agent.destroy().catch(() => {});
  }
}

type Hop = { url: URL; method: string; headers: Headers; body: string | URLSearchParams | undefined };

/**
 * Sends the request and follows redirects by hand (at most MAX_REDIRECTS): every hop's host is checked
 * against the destination policy before it is connected to, and a hop to another origin carries no
 * credentials (Authorization, cookies, credential-named headers).
 */
async function followRedirects(
  input: RestInput,
  url: URL,
  context: ConnectorContext,
  agent: Agent,
  checked: Map<string, CheckedAddress[]>,
): Promise<Response> {
  const where = `${input.method} ${describeUrl(url)}`;
  let hop: Hop = { url, method: input.method, headers: requestHeaders(input), body: requestBody(input) };
  for (let redirects = 0; ; redirects += 1) {
    const hopWhere = redirects === 0 ? where : `${where}: redirected to ${describeUrl(hop.url)}`;
    await checkHop(hop.url, context, checked, hopWhere);
    let response: Response;
    try {
      response = await fetch(hop.url, {
        method: hop.method,
        headers: hop.headers,
        body: hop.body,
        dispatcher: agent,
        signal: context.signal,
        redirect: 'manual',
      });
    } catch (error) {
      throw callError(hopWhere, error, context.signal, input);
    }
    const location = response.headers.get('location');
    if (!REDIRECT_STATUS.has(response.status) || location === null) return response;
    await response.body?.cancel().catch(() => {});
    if (redirects >= MAX_REDIRECTS) {
      throw new ConnectorCallError(`${where}: more than ${MAX_REDIRECTS} redirects`);
    }
    hop = nextHop(hop, response.status, location, url, where);
  }
}

/** Resolves and checks a hop's host; the agent then connects only to the checked addresses. */
async function checkHop(
  url: URL,
  context: ConnectorContext,
  checked: Map<string, CheckedAddress[]>,
  where: string,
): Promise<void> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  try {
    checked.set(host.toLowerCase(), await checkDestination(context.destinations, host, port));
  } catch (error) {
    if (error instanceof ConnectorCallError) error.message = `${where}: ${error.message}`;
    throw error;
  }
}

/**
 * The connection's DNS lookup: answers the addresses checkHop checked for the host, so what is connected
 * to is what was checked (a second DNS answer, rebinding the name to another address, is never asked for).
 */
function checkedLookup(checked: ReadonlyMap<string, CheckedAddress[]>): net.LookupFunction {
  return (hostname, options, callback) => {
    const addresses = checked.get(hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase());
    if (!addresses || addresses.length === 0) {
      callback(new ConnectorCallError(`${hostname} was not checked against the destination policy`), '', 4);
    } else if (options.all) {
      callback(null, addresses satisfies LookupAddress[]);
    } else {
      callback(null, addresses[0]!.address, addresses[0]!.family);
    }
  };
}

/** The request a redirect asks for: as browsers do it, a 303 (and a POST's 301 / 302) becomes a GET. */
function nextHop(hop: Hop, status: number, location: string, first: URL, where: string): Hop {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    throw new ConnectorCallError(`${where}: redirected to an invalid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectorCallError(
      `${where}: redirected to a ${url.protocol} URL; only http and https are followed`,
    );
  }
  const toGet =
    (status === 303 && hop.method !== 'HEAD') ||
    ((status === 301 || status === 302) && hop.method === 'POST');
  const headers = new Headers(hop.headers);
  if (toGet) headers.delete('content-type');
  if (url.origin !== first.origin) {
    for (const name of [...headers.keys()]) {
      if (isCredentialName(name)) headers.delete(name);
    }
  }
  return { url, method: toGet ? 'GET' : hop.method, headers, body: toGet ? undefined : hop.body };
}

function expectedStatuses(input: RestInput): number[] {
  const given = input.expected_status_code;
  if (given === undefined) return DEFAULT_EXPECTED_STATUS;
  return Array.isArray(given) ? given : [given];
}

function requestHeaders(input: RestInput): Headers {
  const headers = new Headers(input.headers ?? {});
  if (input.json !== undefined && !headers.has('content-type'))
    headers.set('content-type', 'application/json');
  if (input.text !== undefined && !headers.has('content-type')) {
    headers.set('content-type', 'text/plain; charset=utf-8');
  }
  if (input.username !== undefined) {
    headers.set('authorization', `Basic ${basicCredentials(input)}`);
  } else if (input.bearer_token !== undefined) {
    headers.set('authorization', `Bearer ${input.bearer_token}`);
  }
  return headers;
}

function basicCredentials(input: RestInput): string {
  return Buffer.from(`${input.username ?? ''}:${input.password ?? ''}`).toString('base64');
}

function requestBody(input: RestInput): string | URLSearchParams | undefined {
  if (input.json !== undefined) return JSON.stringify(input.json);
  if (input.text !== undefined) return input.text;
  if (input.form !== undefined) {
    return new URLSearchParams(Object.entries(input.form).map(([key, value]) => [key, String(value)]));
  }
  return undefined;
}

function toOutput(response: Response, bodyText: string): RestOutput {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const type = response.headers.get('content-type') ?? '';
  if (/[/+]json\b/i.test(type) && bodyText !== '') {
    try {
      return { status_code: response.status, headers, json: JSON.parse(bodyText) };
    } catch {
      // Declared JSON but is not: hand the text over rather than failing the call.
    }
  }
  return { status_code: response.status, headers, text: bodyText };
}

function callError(where: string, error: unknown, signal: AbortSignal, input: RestInput): ConnectorCallError {
  if (signal.aborted) return new ConnectorCancelledError(`${where}: cancelled`);
  const cause = (error as { cause?: { code?: string; message?: string } }).cause ?? (error as Error);
  if (cause instanceof ConnectorCallError) {
    cause.message = `${where}: ${cause.message}`;
    return cause;
  }
  const code = (cause as { code?: string }).code;
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new ConnectorTimeoutError(
      `${where}: no connection within connect_timeout ${input.connect_timeout} s`,
    );
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new ConnectorTimeoutError(`${where}: no answer within read_timeout ${input.read_timeout} s`);
  }
  const reason = code ?? (cause as Error).message ?? String(error);
  return new ConnectorCallError(`${where}: request failed (${reason})`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ConnectorCancelledError('cancelled while waiting to retry'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ConnectorCancelledError('cancelled while waiting to retry'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
