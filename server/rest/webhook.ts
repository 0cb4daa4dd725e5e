import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { localWorker } from '../../engine/runtime/local-worker';
import { startWebhookCall, type StartMode } from '../../engine/runtime/start';
import type { Execution } from '../../engine/store/database';
import { getExecution } from '../../engine/store/executions';
import { findWebhook } from '../../engine/store/flows';
import {
  webhookNode,
  WEBHOOK_DEFAULT_TIMEOUT_SECONDS,
  WEBHOOK_METHODS,
  WEBHOOK_NAME_PATTERN,
} from '../../engine/nodes/webhook';
import { getEngine, getExecutionWatcher } from '../engine';
import { readBodyBytes } from './body';
import { ApiError, errorResponse } from './errors';
import { toApiError } from './map-error';

/**
 * `/api/latest/webhook/<name>/call[/<sub-path>]` (docs/triggers.md). A handler of its own, not a
 * defineEndpoint: a webhook takes any content type (and keeps the exact bytes), answers whatever the
 * flow says (any status, headers, HTML), serves the methods its node lists and authenticates by its key
 * alone, none of which the JSON-in, JSON-out, token-authenticated endpoints do. proxy.ts lets this path
 * through without a session; nothing here reads a session or a token.
 */

type WebhookMethod = (typeof WEBHOOK_METHODS)[number];
type WebhookParams = z.infer<typeof webhookNode.params>;
type RouteContext = { params: Promise<{ name?: string; path?: string[] }> };

/** Header values never stored in an execution's input: they are someone's credentials. */
const MASKED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);
const MASK = '***';

/** The flow's answer as it sets it (this.respond / the end node's `response`), checked once more. */
const flowResponse = z.object({
  status: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
});

export function webhookRoutes(): Record<
  WebhookMethod | 'OPTIONS',
  (r: Request, c: RouteContext) => Promise<Response>
> {
  const routes = {} as Record<WebhookMethod | 'OPTIONS', (r: Request, c: RouteContext) => Promise<Response>>;
  for (const method of [...WEBHOOK_METHODS, 'OPTIONS'] as const) routes[method] = handleWebhookCall;
  return routes;
}

export async function handleWebhookCall(request: Request, context: RouteContext): Promise<Response> {
  try {
    return await answer(request, await context.params);
  } catch (error) {
    const apiError = toApiError(error);
    if (apiError.status === 500) console.error('webhook call failed', error);
    return errorResponse(apiError);
  }
}

async function answer(request: Request, route: { name?: string; path?: string[] }): Promise<Response> {
  const name = route.name ?? '';
  const engine = await getEngine();
  const target = WEBHOOK_NAME_PATTERN.test(name) ? await findWebhook(engine.db, name) : undefined;
  const parsed = target && webhookNode.params.safeParse(target.params);
  if (!target || !parsed?.success || parsed.data.enabled !== true) {
    // Unknown and disabled answer alike: a caller learns nothing about webhooks it cannot call.
    throw new ApiError(404, 'not_found', `No enabled webhook is named '${name}'`, 'path.name');
  }
  const params = parsed.data;
  const methods: readonly WebhookMethod[] = params.methods ?? WEBHOOK_METHODS;
  const cors = corsHeaders(params, request);
  if (request.method === 'OPTIONS') return preflight(params, methods, cors);
  if (!methods.includes(request.method as WebhookMethod)) {
    return withHeaders(
      errorResponse(
        new ApiError(
          405,
          'method_not_allowed',
          `Webhook '${name}' does not answer ${request.method}`,
          'method',
        ),
      ),
      { allow: allowed(methods, params), ...cors },
    );
  }

  const url = new URL(request.url);
  const bytes = await readBodyBytes(request);
  const body = bytes.toString('utf8');
  let json: unknown = null;
  if (isJsonType(request.headers.get('content-type')) && body.trim() !== '') {
    try {
      json = JSON.parse(body);
    } catch (error) {
      const detail = error instanceof Error ? error.message : 'unparseable';
      throw new ApiError(400, 'invalid_json', `The request body is not valid JSON: ${detail}`, 'body');
    }
  }
  const query = Object.fromEntries(url.searchParams);
  const bodyKey = isObject(json) && typeof json.key === 'string' ? json.key : undefined;
  if (params.key !== undefined && !keyMatches(params.key, url.searchParams.get('key') ?? bodyKey)) {
    throw new ApiError(
      401,
      'unauthorized',
      `Webhook '${name}' needs its key as the \`key\` query parameter or JSON field`,
      'query.key',
    );
  }

  // The key is no part of what is stored: out of the query, and out of the body when it came in it.
  delete query.key;
  let stored = { json, body, raw: bytes };
  if (bodyKey !== undefined && isObject(json)) {
    const { key: _key, ...rest } = json;
    const text = JSON.stringify(rest);
    stored = { json: rest, body: text, raw: Buffer.from(text) };
  }
  const input = {
    method: request.method,
    path: route.path && route.path.length > 0 ? `/${route.path.join('/')}` : '',
    query,
    headers: Object.fromEntries(
      [...request.headers].map(([header, value]) => [header, MASKED_HEADERS.has(header) ? MASK : value]),
    ),
    body: stored.body,
    json: stored.json,
    raw: stored.raw.toString('base64'),
  };

  const isAsync = params.async === true || url.searchParams.get('async') === '1';
  const worker = isAsync ? undefined : localWorker();
  const inline = worker?.reserveSlot() ? worker : undefined;
  const mode: StartMode = inline
    ? { kind: 'inline', workerId: inline.workerId, leaseMs: inline.leaseMs }
    : { kind: 'queue' };
  let started: Awaited<ReturnType<typeof startWebhookCall>>;
  try {
    started = await startWebhookCall(engine, {
      flow: target.flow,
      webhook: name,
      nodeId: target.nodeId,
      input,
      isProductive: params.productive ?? true,
      mode,
    });
  } catch (error) {
    inline?.releaseSlot();
    throw error;
  }
  const ids = { execution_id: started.webhook.id, flow_execution_id: started.flow.id };
  if (isAsync) return withHeaders(Response.json(ids, { status: 202 }), cors);

  const timeoutMs = (params.timeout_seconds ?? WEBHOOK_DEFAULT_TIMEOUT_SECONDS) * 1000;
  const deadline = Date.now() + timeoutMs;
  let ended: Execution | undefined;
  if (inline) ended = (await untilDeadline(inline.runReserved(started.flow), deadline))?.ended;
  if (!ended || !isEnded(ended)) {
    ended = await getExecutionWatcher().waitForEnd(started.flow.id, Math.max(0, deadline - Date.now()));
  }
  if (!ended) {
    return withHeaders(
      Response.json(
        {
          error: {
            code: 'timeout',
            message: `The flow did not end within ${timeoutMs / 1000} s; it goes on running`,
          },
          ...ids,
        },
        { status: 504 },
      ),
      cors,
    );
  }
  // An execution ended in this process's worker may come without its response column: read it.
  if ((ended as Partial<Execution>).response === undefined)
    ended = (await getExecution(engine.db, ended.id)) ?? ended;
  return withHeaders(flowAnswer(ended, ids, request.method === 'HEAD'), cors);
}

/**
 * A flow's answer is served from Flowline's own origin, yet written by a flow's author: as HTML it
 * would otherwise run with the app's origin (read a signed-in user's pages, call the API with their
 * session). `sandbox` makes the page a unique, opaque origin (scripts and forms still work for what a
 * webhook page needs), and the browser is told not to guess content types.
 */
const FLOW_ANSWER_ISOLATION = {
  'content-security-policy': 'sandbox allow-scripts allow-forms allow-popups',
  'x-content-type-options': 'nosniff',
};

/** Headers a flow may not set on Flowline's origin: cookies (a session could be planted) and the isolation above. */
const ORIGIN_POWER_HEADERS = new Set([
  'set-cookie',
  'set-cookie2',
  'content-security-policy',
  'x-content-type-options',
]);

function withoutOriginPowers(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !ORIGIN_POWER_HEADERS.has(name.toLowerCase())),
  );
}

/** The HTTP answer for an ended flow: what it set with respond, else its output (or its failure). */
function flowAnswer(flow: Execution, ids: Record<string, string>, head: boolean): Response {
  const set = flowResponse.safeParse(flow.response);
  if (set.success) {
    const { status, headers = {}, body } = set.data;
    const text = typeof body === 'string';
    const contentType: Record<string, string> = Object.keys(headers).some(
      (header) => header.toLowerCase() === 'content-type',
    )
      ? {}
      : { 'content-type': text ? 'text/plain; charset=utf-8' : 'application/json' };
    const payload = body === undefined ? '' : text ? body : JSON.stringify(body);
    // 204 and 304 carry no body, and neither does any answer to HEAD.
    const bodyless = head || status === 204 || status === 304 || status < 200;
    return new Response(bodyless ? null : payload, {
      status,
      headers: { ...contentType, ...withoutOriginPowers(headers), ...FLOW_ANSWER_ISOLATION },
    });
  }
  if (flow.status === 'ENDED_SUCCESS') {
    return new Response(head ? null : JSON.stringify(flow.output ?? null), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }
  // Its message only, never its stack: the caller is not the flow's author.
  const message =
    flow.status === 'ENDED_CANCELLED'
      ? 'The flow was cancelled'
      : (flow.error?.message ?? flow.message ?? 'The flow failed');
  return Response.json({ error: { code: 'flow_failed', message }, ...ids }, { status: 500 });
}

function isEnded(execution: Execution): boolean {
  return execution.status.startsWith('ENDED_');
}

/** Constant time: both sides hashed first, so neither their lengths nor their bytes leak by timing. */
function keyMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const hash = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(hash(expected), hash(given));
}

/** JSON by its content type, `application/*+json` included (webhook senders use those, unlike API clients). */
function isJsonType(contentType: string | null): boolean {
  return contentType !== null && /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType.trim());
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function allowed(methods: readonly WebhookMethod[], params: WebhookParams): string {
  return [...methods, ...(params.cors_origins ? ['OPTIONS'] : [])].join(', ');
}

/** The CORS headers for a request from an origin the webhook allows; none otherwise. */
function corsHeaders(params: WebhookParams, request: Request): Record<string, string> {
  const origin = request.headers.get('origin');
  const origins = params.cors_origins;
  if (!origins || origin === null) return {};
  if (origins.includes('*')) return { 'access-control-allow-origin': '*' };
  return origins.includes(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
}

function preflight(
  params: WebhookParams,
  methods: readonly WebhookMethod[],
  cors: Record<string, string>,
): Response {
  if (!params.cors_origins) {
    return withHeaders(
      errorResponse(
        new ApiError(
          405,
          'method_not_allowed',
          'This webhook allows no cross-origin calls (no cors_origins)',
          'method',
        ),
      ),
      { allow: allowed(methods, params) },
    );
  }
  if (!cors['access-control-allow-origin']) {
    return errorResponse(
      new ApiError(403, 'origin_not_allowed', 'This origin may not call this webhook', 'header.origin'),
    );
  }
  return new Response(null, {
    status: 204,
    headers: {
      ...cors,
      'access-control-allow-methods': methods.join(', '),
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '600',
    },
  });
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  for (const [header, value] of Object.entries(headers)) response.headers.set(header, value);
  return response;
}

/** The run's result, or undefined once the deadline passes first (the run itself goes on). */
function untilDeadline<T>(run: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([run, late]).finally(() => clearTimeout(timer));
}
