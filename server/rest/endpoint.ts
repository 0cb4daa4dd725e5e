import { z } from 'zod';
import { readJsonBody } from './body';
import { ApiError, errorResponse } from './errors';

export const HTTP_METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Who is calling: resolved from the request before the handler runs. */
export type ApiPrincipal = { userId: string; email: string; tokenId?: string };
export type Authenticate = (
  request: Request,
) => Promise<{ ok: true; principal: ApiPrincipal } | { ok: false; message: string }>;

type Parsed<S> = S extends z.ZodType ? z.infer<S> : undefined;

export type EndpointResult = { status: number; body: unknown; headers?: Record<string, string> };

/**
 * One REST operation, defined once: its schemas validate the request AND describe it in the OpenAPI
 * document, so the documentation cannot drift from what the server accepts.
 */
export type Endpoint<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
  H extends z.ZodType | undefined = z.ZodType | undefined,
> = {
  method: HttpMethod;
  /** OpenAPI-style path below /api/latest, e.g. `/execution/{id}`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers the operation reads, by lower-case name (others are ignored). */
  headers?: H;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler(input: {
    params: Parsed<P>;
    query: Parsed<Q>;
    body: Parsed<B>;
    headers: Parsed<H>;
    principal: ApiPrincipal;
    request: Request;
  }): Promise<EndpointResult>;
};

export function defineEndpoint<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  H extends z.ZodType | undefined = undefined,
>(endpoint: Endpoint<P, Q, B, H>): Endpoint<P, Q, B, H> {
  return endpoint;
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };

/** Turns an endpoint into a Next.js route handler: authenticate, validate, run, answer errors as JSON. */
export function routeHandler<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  H extends z.ZodType | undefined,
>(endpoint: Endpoint<P, Q, B, H>, authenticate: Authenticate, mapError: (error: unknown) => ApiError) {
  return async (request: Request, context: RouteContext): Promise<Response> => {
    try {
      const auth = await authenticate(request);
      if (!auth.ok) throw new ApiError(401, 'unauthorized', auth.message);
      const { principal } = auth;
      const params = parseWith(endpoint.params, await context.params, 'path');
      const query = parseWith(endpoint.query, searchParamsObject(new URL(request.url).searchParams), 'query');
      const headers = parseWith(endpoint.headers, Object.fromEntries(request.headers), 'header');
      // Tokens are sent by their owner's scripts; a cookie by whatever page the browser shows.
      const requireJsonType = principal.tokenId === undefined;
      const body = endpoint.body
        ? parseWith(endpoint.body, await readJsonBody(request, { requireJsonType }), 'body')
        : undefined;
      const result = await endpoint.handler({
        params: params as Parsed<P>,
        query: query as Parsed<Q>,
        body: body as Parsed<B>,
        headers: headers as Parsed<H>,
        principal,
        request,
      });
      return Response.json(result.body, { status: result.status, headers: result.headers });
    } catch (error) {
      return errorResponse(mapError(error));
    }
  };
}

type Where = 'path' | 'query' | 'body' | 'header';

function parseWith(schema: z.ZodType | undefined, value: unknown, where: Where): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (parsed.success) return parsed.data;
  throw validationError(parsed.error, where);
}

/** The answer to a method the path does not have: 405 with the methods it has, as JSON like every error. */
export function methodNotAllowed(allowed: readonly HttpMethod[]) {
  return async (request: Request): Promise<Response> => {
    const response = errorResponse(
      new ApiError(
        405,
        'method_not_allowed',
        `${request.method} is not allowed here; use ${allowed.join(', ')}`,
      ),
    );
    response.headers.set('allow', allowed.join(', '));
    return response;
  };
}

/** A 400 that names where the request is wrong, e.g. `body.input_value: expected object, received string`. */
export function validationError(error: z.ZodError, where: string): ApiError {
  const messages = error.issues.map((issue) => `${[where, ...issue.path].join('.')}: ${issue.message}`);
  const first = error.issues[0];
  const path = [where, ...(first?.path ?? [])].join('.');
  const issues = error.issues.map((issue) => ({
    node: null,
    path: [where, ...issue.path].join('.'),
    message: `${[where, ...issue.path].join('.')}: ${issue.message}`,
    severity: 'error',
  }));
  return new ApiError(400, 'invalid_request', messages.join('; '), path, issues);
}

function searchParamsObject(params: URLSearchParams): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    result[key] = values.length === 1 ? values[0]! : values;
  }
  return result;
}
