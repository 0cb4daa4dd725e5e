/** Calls REST route handlers as Next.js would, for tests: JSON in and out, with a bearer token by default. */
export type RouteHandler = (
  request: Request,
  context: { params: Promise<Record<string, string>> },
) => Promise<Response>;

export type RestCall = {
  method?: string;
  path?: string;
  params?: Record<string, string>;
  body?: unknown;
  raw?: string;
  /** null: no Authorization header; a string: that header instead of the token's. */
  auth?: string | null;
  headers?: Record<string, string>;
};

export function restCaller(token: string) {
  return async function call(handler: RouteHandler, options: RestCall = {}) {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    const auth = options.auth === undefined ? `Bearer ${token}` : options.auth;
    if (auth) headers.authorization = auth;
    const request = new Request(`http://localhost/api/latest${options.path ?? '/'}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const response = await handler(request, { params: Promise.resolve(options.params ?? {}) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read loosely typed JSON answers
    return { status: response.status, headers: response.headers, json: (await response.json()) as any };
  };
}
