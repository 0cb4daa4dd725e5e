import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { apiAsAdmin, signInAsAdmin } from './auth';

/**
 * The edges only the real server has: what Next.js does before our code runs (malformed percent
 * escapes), and the browser's own headers on requests another page makes with the session cookie.
 */
test.describe.configure({ mode: 'serial' });

// Any bearer token passes the proxy; these answers come before any handler checks it.
const anyToken = { authorization: 'Bearer flt_not-checked-before-these-answers' };

/** A GET (past the proxy) with the path sent byte for byte, as no URL parser would leave it alone. */
function rawGet(baseURL: string, path: string): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(baseURL);
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname, port, path, headers: anyToken }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
      );
    });
    req.on('error', reject);
  });
}

test('a malformed percent escape in the path is a JSON 400, not a plain-text 500', async ({ baseURL }) => {
  for (const path of [
    '/api/latest/flow/%ff',
    '/api/latest/flow/%C0%AE',
    '/api/latest/connection/%E0%A4%A',
    '/flows/%ff',
  ]) {
    const answer = await rawGet(baseURL!, path);
    expect(answer.status, path).toBe(400);
    expect(answer.type).toContain('application/json');
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'invalid_request', path: 'path' });
  }
  // A well-formed escape still reaches the route, which refuses the made-up token.
  expect((await rawGet(baseURL!, '/api/latest/flow/%00')).status).toBe(401);
});

test('an unknown API path and a method a path does not have answer JSON', async ({ request }) => {
  const unknown = await request.get('/api/latest/no/such/path', { headers: anyToken });
  expect(unknown.status()).toBe(404);
  expect((await unknown.json()).error.code).toBe('not_found');
  const put = await request.put('/api/latest/flow', { headers: anyToken, data: {} });
  expect(put.status()).toBe(405);
  expect(put.headers()['allow']).toBe('GET, POST');
  expect((await put.json()).error.code).toBe('method_not_allowed');
});

test.describe('requests with the session cookie', () => {
  let api: APIRequestContext;
  let attacker: http.Server;
  let attackerUrl = '';

  test.beforeAll(async ({ browser, baseURL }) => {
    api = await apiAsAdmin(browser, baseURL!, 'edges e2e');

    // Another page on the same host, another port: the same site, so the browser sends it our cookie.
    attacker = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>attacker</title>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, 'localhost', resolve));
    attackerUrl = `http://localhost:${(attacker.address() as AddressInfo).port}/`;
  });

  test.afterAll(async () => {
    await api?.dispose();
    await new Promise((resolve) => attacker?.close(resolve));
  });

  test('the app’s own page may use the API with its session; another site’s page may not', async ({
    page,
    baseURL,
  }) => {
    await signInAsAdmin(page);
    const own = await page.evaluate(async () => {
      const response = await fetch('/api/latest/flow', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'from-the-app' }),
      });
      return response.status;
    });
    expect(own).toBe(201);

    // The forgery of the issue: a form-like text/plain body, sent with the cookie from another port.
    await page.goto(attackerUrl);
    // tRPC itself refuses a text/plain body (415) before our Origin check (403) would.
    const forgeries = [
      { url: `${baseURL}/api/latest/flow`, body: JSON.stringify({ name: 'forged-rest' }), refused: [403] },
      {
        url: `${baseURL}/api/trpc/flows.create`,
        body: JSON.stringify({ json: { name: 'forged-trpc' } }),
        refused: [403, 415],
      },
    ];
    for (const forgery of forgeries) {
      const answered = page.waitForResponse(forgery.url);
      await page.evaluate(async ({ url, body }) => {
        await fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body });
      }, forgery);
      expect(forgery.refused, forgery.url).toContain((await answered).status());
    }

    const names = (await (await api.get('/api/latest/flow')).json()).items.map(
      (flow: { name: string }) => flow.name,
    );
    expect(names).toContain('from-the-app');
    expect(names).not.toContain('forged-rest');
    expect(names).not.toContain('forged-trpc');
  });

  test('a session request with the right Origin but a form body is refused', async ({ page, baseURL }) => {
    await signInAsAdmin(page);
    const response = await page.request.post('/api/latest/flow', {
      headers: { origin: new URL(baseURL!).origin, 'content-type': 'text/plain' },
      data: JSON.stringify({ name: 'plain-text' }),
    });
    expect(response.status()).toBe(403);
    expect((await response.json()).error).toMatchObject({
      code: 'json_required',
      path: 'header.content-type',
    });
  });
});
