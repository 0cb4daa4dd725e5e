import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, request, test, type APIRequestContext } from '@playwright/test';
import { apiAsAdmin } from './auth';

test.describe.configure({ mode: 'serial' });

/**
 * The seed example over real HTTP against the production server and its in-process worker: a code flow
 * that starts a child flow with an input, runs `fetchval: 'SELECT 1+1'` on a stored PostgreSQL
 * connection and calls a local HTTP server ad hoc through REST, started with an API token.
 */
let api: APIRequestContext;
let server: http.Server;
let serverUrl = '';
const hits: string[] = [];

test.beforeAll(async ({ browser, baseURL }) => {
  server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ greeting: 'hello from loopback' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  api = await apiAsAdmin(browser, baseURL!, 'rest e2e');
});

test.afterAll(async () => {
  await api?.dispose();
  await new Promise((resolve) => server?.close(resolve));
});

test('runs the seed example started by POST /api/latest/execution', async () => {
  const databaseUrl = process.env.DATABASE_URL;
  expect(databaseUrl, 'npm test passes the test database server as DATABASE_URL').toBeTruthy();

  expect(
    (
      await api.post('/api/latest/flow', {
        data: {
          name: 'rest-child',
          code: `export default async function handler(this: Execution) {
  const input = this.input as { custom_parameter: string };
  this.setOutput('received', input.custom_parameter);
  return this.success('child done');
}`,
        },
      })
    ).status(),
  ).toBe(201);
  expect(
    (
      await api.post('/api/latest/connection', {
        data: { name: 'rest-e2e-db', connector_type: 'SQLPG', config: { url: databaseUrl } },
      })
    ).status(),
  ).toBe(201);
  expect(
    (
      await api.post('/api/latest/flow', {
        data: {
          name: 'rest-seed',
          code: `export default async function handler(this: Execution, system: System) {
  const input = this.input as { url: string };
  await this.flow('rest-child', { custom_parameter: 'value' });
  const sum = await this.connect('rest-e2e-db', { fetchval: 'SELECT 1+1' });
  const web = await this.connect({ connector_type: 'REST', url: input.url });
  await this.save({ output: { sum: (sum.output as { result: number }).result, json: (web.output as { json: unknown }).json } });
  return this.success('all done');
}`,
        },
      })
    ).status(),
  ).toBe(201);

  const started = await api.post('/api/latest/execution', {
    data: { flow: 'rest-seed', input_value: { url: `${serverUrl}/hello` }, wait: 60 },
  });
  expect(started.status()).toBe(200);
  const execution = await started.json();
  expect(execution).toMatchObject({
    status: 'ENDED_SUCCESS',
    message: 'all done',
    output_value: { sum: 2, json: { greeting: 'hello from loopback' } },
  });

  const read = await (await api.get(`/api/latest/execution/${execution.id}`)).json();
  expect(
    read.children.map((child: { type: string; status: string }) => `${child.type} ${child.status}`),
  ).toEqual(['FLOW ENDED_SUCCESS', 'CONNECTION ENDED_SUCCESS', 'CONNECTION ENDED_SUCCESS']);
  const child = await (await api.get(`/api/latest/execution/${read.children[0].id}`)).json();
  expect(child).toMatchObject({
    input_value: { custom_parameter: 'value' },
    output_value: { received: 'value' },
  });
  expect(hits).toEqual(['GET /hello']);

  const listed = await (await api.get('/api/latest/execution?flow=rest-seed')).json();
  expect(listed.items.map((item: { id: string }) => item.id)).toEqual([execution.id]);
});

test('answers a client mistake with a JSON error naming the field, and no token with 401', async ({
  baseURL,
}) => {
  const bad = await api.post('/api/latest/execution', { data: { flow: 'rest-seed', wait: 'later' } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error).toMatchObject({ path: 'body.wait' });

  const anonymous = await request.newContext({ baseURL });
  const refused = await anonymous.get('/api/latest/execution');
  expect(refused.status()).toBe(401);
  await anonymous.dispose();
});
