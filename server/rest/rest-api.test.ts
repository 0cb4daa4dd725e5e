import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { createApiToken, revokeUserApiToken } from '../../engine/auth/api-tokens';
import { createUser } from '../../engine/auth/accounts';
import { sql } from 'kysely';
import { registerLocalWorker } from '../../engine/runtime/local-worker';
import {
  defineFlow,
  spawnWorker,
  TEST_SECRET_KEY,
  waitForEnd,
  waitUntil,
  type WorkerProcess,
} from '../../engine/runtime/testing';
import { Worker } from '../../engine/runtime/worker';
import { secretKeyFromHex } from '../../engine/secrets/secrets';
import { MAX_BODY_BYTES } from './body';
import { restCaller } from './testing';

const { db, url } = await createTestDatabase();
process.env.DATABASE_URL = url;
process.env.FLOWLINE_SECRET_KEY = TEST_SECRET_KEY;
// The seed example queries the server the test database lives on, Flowline's own: an explicit exception
// (for the workers in this process, and the spawned one below).
const allowOwnServer = { FLOWLINE_CONNECT_ALLOW: new URL(url).host };
Object.assign(process.env, allowOwnServer);

// The route modules exactly as Next.js serves them.
const executionRoute = await import('../../app/api/latest/execution/route');
const executionByIdRoute = await import('../../app/api/latest/execution/[id]/route');
const cancelRoute = await import('../../app/api/latest/execution/[id]/cancel/route');
const nodesRoute = await import('../../app/api/latest/execution/[id]/nodes/route');
const flowRoute = await import('../../app/api/latest/flow/route');
const flowByNameRoute = await import('../../app/api/latest/flow/[name]/route');
const connectionRoute = await import('../../app/api/latest/connection/route');
const connectionByNameRoute = await import('../../app/api/latest/connection/[name]/route');
const openApiRoute = await import('../../app/api/latest/openapi.json/route');
const unknownRoute = await import('../../app/api/latest/[...path]/route');

const user = await createUser(
  db,
  { email: 'api@example.com', name: 'API', password: 'long enough password' },
  { isAdmin: true },
);
const { token, summary: tokenSummary } = await createApiToken(db, user.id, 'tests');

const call = restCaller(token);

let worker: WorkerProcess;
let server: http.Server;
let serverUrl = '';
const received: unknown[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ hello: 'world', path: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  worker = spawnWorker(url, allowOwnServer);
  await worker.ready;
});

afterAll(async () => {
  await worker?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe('REST API', () => {
  it('creates a busy flow for the tests below', async () => {
    const created = await call(flowRoute.POST, {
      method: 'POST',
      body: {
        name: 'busy-wait',
        code: `export default async function handler(this: any) {
  const until = Date.now() + this.input.ms;
  while (Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  return this.success('done');
}`,
      },
    });
    expect(created.status).toBe(201);
  });

  it('runs the seed example: child flow with input, a stored PostgreSQL connection, an ad-hoc REST call', async () => {
    const child = await call(flowRoute.POST, {
      method: 'POST',
      body: {
        name: 'seed-child',
        code: `export default async function handler(this: any) {
  this.setOutput('echo', this.input.custom_parameter);
  return this.success('child done');
}`,
      },
    });
    expect(child.status).toBe(201);
    const connection = await call(connectionRoute.POST, {
      method: 'POST',
      body: { name: 'my-database', connector_type: 'SQLPG', config: { url } },
    });
    expect(connection.status).toBe(201);
    const parent = await call(flowRoute.POST, {
      method: 'POST',
      body: {
        name: 'seed-parent',
        code: `export default async function handler(this: any) {
  const child = await this.flow('seed-child', { custom_parameter: 'value' });
  const sum = await this.connect('my-database', { fetchval: 'SELECT 1+1' });
  const web = await this.connect({ connector_type: 'REST', url: this.input.url });
  this.setOutput('child', child.output);
  this.setOutput('sum', sum.output.result);
  this.setOutput('json', web.output.json);
  return this.success('all done');
}`,
      },
    });
    expect(parent.status).toBe(201);

    const started = await call(executionRoute.POST, {
      method: 'POST',
      body: { flow: 'seed-parent', input_value: { url: `${serverUrl}/seed` }, wait: 60 },
    });
    expect(started.status).toBe(200);
    expect(started.json).toMatchObject({
      status: 'ENDED_SUCCESS',
      message: 'all done',
      output_value: { child: { echo: 'value' }, sum: 2, json: { hello: 'world', path: '/seed' } },
      is_productive: true,
      started_by: { kind: 'token', id: tokenSummary.id },
    });
    expect(started.json.children.map((c: { type: string; status: string }) => [c.type, c.status])).toEqual([
      ['FLOW', 'ENDED_SUCCESS'],
      ['CONNECTION', 'ENDED_SUCCESS'],
      ['CONNECTION', 'ENDED_SUCCESS'],
    ]);

    const read = await call(executionByIdRoute.GET, { params: { id: started.json.id } });
    expect(read.status).toBe(200);
    expect(read.json.output_value.sum).toBe(2);
    const childRead = await call(executionByIdRoute.GET, { params: { id: started.json.children[0].id } });
    expect(childRead.json).toMatchObject({
      input_value: { custom_parameter: 'value' },
      parent_id: started.json.id,
    });
    expect(received).toContainEqual(expect.objectContaining({ method: 'GET', url: '/seed' }));
  });

  it('answers 401 without a token, with a wrong one and with a revoked one', async () => {
    const none = await call(flowRoute.GET, { auth: null });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthorized');
    expect((await call(flowRoute.GET, { auth: 'Bearer flt_not-a-real-token' })).status).toBe(401);

    const doomed = await createApiToken(db, user.id, 'doomed');
    expect((await call(flowRoute.GET, { auth: `Bearer ${doomed.token}` })).status).toBe(200);
    await revokeUserApiToken(db, user.id, doomed.summary.id);
    const revoked = await call(flowRoute.GET, { auth: `Bearer ${doomed.token}` });
    expect(revoked.status).toBe(401);
    expect(revoked.json.error.message).toMatch(/revoked/);
  });

  it('answers 404 for an unknown flow or execution, naming it', async () => {
    const flow = await call(executionRoute.POST, { method: 'POST', body: { flow: 'no-such-flow' } });
    expect(flow.status).toBe(404);
    expect(flow.json.error.message).toContain("'no-such-flow'");
    const execution = await call(executionByIdRoute.GET, { params: { id: crypto.randomUUID() } });
    expect(execution.status).toBe(404);
  });

  it('answers 400 for malformed JSON and for wrong field types, naming the field', async () => {
    const malformed = await call(executionRoute.POST, { method: 'POST', raw: '{"flow": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('invalid_json');

    const wrongType = await call(executionRoute.POST, {
      method: 'POST',
      body: { flow: 'seed-child', wait: 'soon' },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.path).toBe('body.wait');
    expect(wrongType.json.error.message).toContain('body.wait');

    const both = await call(executionRoute.POST, { method: 'POST', body: {} });
    expect(both.status).toBe(400);
    expect(both.json.error.message).toMatch(/exactly one of `flow`/);

    const extra = await call(executionRoute.POST, {
      method: 'POST',
      body: { flow: 'seed-child', colour: 'red' },
    });
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toContain('colour');

    const badId = await call(executionByIdRoute.GET, { params: { id: 'not-a-uuid' } });
    expect(badId.status).toBe(400);
    expect(badId.json.error.path).toBe('path.id');

    const syntax = await call(flowRoute.POST, {
      method: 'POST',
      body: { name: 'broken', code: 'export default {' },
    });
    expect(syntax.status).toBe(400);
    expect(syntax.json.error.message).toMatch(/line 1/);
    expect((await call(flowByNameRoute.GET, { params: { name: 'broken' } })).status).toBe(404);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const big = await call(executionRoute.POST, {
      method: 'POST',
      body: { flow: 'seed-child', input_value: 'x'.repeat(MAX_BODY_BYTES) },
    });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('body_too_large');
  });

  it('answers 409 for a duplicate flow name', async () => {
    const duplicate = await call(flowRoute.POST, { method: 'POST', body: { name: 'seed-child' } });
    expect(duplicate.status).toBe(409);
  });

  it('waits for the end when asked (200), answers 202 at once otherwise, and cancels a running tree', async () => {
    await call(flowRoute.POST, {
      method: 'POST',
      body: {
        name: 'sleepy',
        code: `export default async function handler(this: any) {
  await this.flow('seed-child', { custom_parameter: 'nested' }, { wait: false });
  await this.sleep(this.input.seconds);
  return this.success('woke up');
}`,
      },
    });
    const quick = await call(executionRoute.POST, {
      method: 'POST',
      body: { flow: 'seed-child', input_value: { custom_parameter: 1 }, wait: 30 },
    });
    expect(quick.status).toBe(200);
    expect(quick.json.status).toBe('ENDED_SUCCESS');

    const running = await call(executionRoute.POST, {
      method: 'POST',
      body: { flow: 'sleepy', input_value: { seconds: 120 } },
    });
    expect(running.status).toBe(202);
    expect(running.json.status).not.toMatch(/^ENDED_/);
    const stillRunning = await call(executionRoute.POST, {
      method: 'POST',
      body: { flow: 'sleepy', input_value: { seconds: 120 }, wait: 0.5 },
    });
    expect(stillRunning.status).toBe(202);

    const cancelled = await call(cancelRoute.POST, { method: 'POST', params: { id: running.json.id } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe('ENDED_CANCELLED');
    for (const child of cancelled.json.children) expect(child.status).toMatch(/^ENDED_/);
    await call(cancelRoute.POST, { method: 'POST', params: { id: stillRunning.json.id } });
  });

  it('answers 200 with the ended execution and its children when it ended with no notification at all', async () => {
    await call(flowRoute.POST, {
      method: 'POST',
      body: {
        name: 'ended-quietly',
        code: `export default async function handler(this: any) {
  await this.flow('seed-child', { custom_parameter: 'quiet' }, { wait: false });
  await this.sleep(120);
  return this.success('never reached: the test ends it first');
}`,
      },
    });
    const started = Date.now();
    const answer = call(executionRoute.POST, {
      method: 'POST',
      body: { flow: 'ended-quietly', wait: 8 },
    });
    // Once it sleeps (WAITING), end it behind the engine's back: one UPDATE, no NOTIFY.
    const { id } = await waitUntil(() =>
      db
        .selectFrom('executions')
        .select('id')
        .where('name', '=', 'ended-quietly')
        .where('status', '=', 'WAITING')
        .executeTakeFirst(),
    );
    await sql`update executions set status = 'ENDED_SUCCESS', message = 'ended quietly', ended_at = now(),
              worker_id = null, lease_until = null, wait_for = null where id = ${id}`.execute(db);
    const { status, json } = await answer;
    expect(status).toBe(200);
    expect(json).toMatchObject({ id, status: 'ENDED_SUCCESS', message: 'ended quietly' });
    expect(json.children).toHaveLength(1);
    expect(json.children[0]).toMatchObject({ type: 'FLOW', name: 'seed-child', parent_id: id });
    expect(Date.now() - started).toBeLessThan(6_000); // found well before its deadline, not at it
  });

  it('lists executions latest first with filters, and pages stay stable under concurrent inserts', async () => {
    await call(flowRoute.POST, {
      method: 'POST',
      body: {
        name: 'pager',
        code: `export default async function handler(this: any) { return this.success('ok'); }`,
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const started = await call(executionRoute.POST, {
        method: 'POST',
        body: { flow: 'pager', is_productive: i % 2 === 0 },
      });
      ids.push(started.json.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let page = 0;
    do {
      const query: string = `?flow=pager&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const result = await call(executionRoute.GET, { path: `/execution${query}` });
      expect(result.status).toBe(200);
      seen.push(...result.json.items.map((item: { id: string }) => item.id));
      cursor = result.json.next_cursor;
      // Executions started between pages land before the first page, never inside the walk.
      if (page++ === 0) {
        await call(executionRoute.POST, { method: 'POST', body: { flow: 'pager' } });
        await call(executionRoute.POST, { method: 'POST', body: { flow: 'pager' } });
      }
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const dev = await call(executionRoute.GET, {
      path: '/execution?flow=pager&is_productive=false&limit=100',
    });
    expect(dev.json.items).toHaveLength(3);
    const typed = await call(executionRoute.GET, { path: '/execution?type=CONNECTION&limit=100' });
    expect(typed.json.items.every((item: { type: string }) => item.type === 'CONNECTION')).toBe(true);
    const badStatus = await call(executionRoute.GET, { path: '/execution?status=DONE' });
    expect(badStatus.status).toBe(400);
    expect(badStatus.json.error.path).toBe('query.status.0');
    const badCursor = await call(executionRoute.GET, { path: '/execution?cursor=garbage' });
    expect(badCursor.status).toBe(400);
  });

  it('keeps connection secrets write-only and manages flows as records', async () => {
    const created = await call(connectionRoute.POST, {
      method: 'POST',
      body: {
        name: 'secret-api',
        connector_type: 'REST',
        config: { url: serverUrl, password: 'hunter2', username: 'u' },
      },
    });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.json)).not.toContain('hunter2');
    const read = await call(connectionByNameRoute.GET, { params: { name: 'secret-api' } });
    expect(read.json.config.password).toEqual({ set: true });
    expect(JSON.stringify(read.json)).not.toContain('hunter2');
    for (const field of ['constructor', 'toString']) {
      const named = await call(connectionRoute.POST, {
        method: 'POST',
        body: { name: `proto-${field}`, connector_type: 'REST', config: { [field]: 'x' } },
      });
      expect(named.status).toBe(400);
      expect(JSON.stringify(named.json)).toContain(`${field}: not an input of connector REST`);
    }

    const renamed = await call(flowByNameRoute.PATCH, {
      method: 'PATCH',
      params: { name: 'pager' },
      body: {
        code: `export default async function handler(this: any) { return this.success('v2'); }`,
        name: 'pager-2',
      },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ name: 'pager-2', version: 2 });
    const deleted = await call(flowByNameRoute.DELETE, { method: 'DELETE', params: { name: 'pager-2' } });
    expect(deleted.status).toBe(200);
    expect((await call(flowByNameRoute.GET, { params: { name: 'pager-2' } })).status).toBe(404);
  });

  it('runs a waited-for execution in the web process own worker when it has one, without a queue job', async () => {
    const local = await Worker.start({
      databaseUrl: url,
      concurrency: 2,
      secretKey: secretKeyFromHex(TEST_SECRET_KEY),
    });
    registerLocalWorker(local);
    try {
      const here = await call(executionRoute.POST, {
        method: 'POST',
        body: { flow: 'seed-child', input_value: { custom_parameter: 'here' }, wait: 30 },
      });
      expect(here.status).toBe(200);
      expect(here.json).toMatchObject({ status: 'ENDED_SUCCESS', output_value: { echo: 'here' } });
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pgboss.job where data->>'executionId' = ${here.json.id}`.execute(db);
      expect(rows[0]?.n).toBe(0);
      expect(here.json.children).toEqual([]);

      // Run here too, a parent is answered with its children.
      const parent = await call(executionRoute.POST, {
        method: 'POST',
        body: { flow: 'seed-parent', input_value: { url: `${serverUrl}/seed` }, wait: 60 },
      });
      expect(parent.status).toBe(200);
      expect(parent.json.children.map((c: { type: string }) => c.type)).toEqual([
        'FLOW',
        'CONNECTION',
        'CONNECTION',
      ]);

      // Past its `wait`, the answer is 202 while the run goes on in this process and ends later.
      const sleepy = await call(executionRoute.POST, {
        method: 'POST',
        body: { flow: 'busy-wait', input_value: { ms: 1500 }, wait: 0.2 },
      });
      expect(sleepy.status).toBe(202);
      const later = await waitForEnd(db, sleepy.json.id);
      expect(later.status).toBe('ENDED_SUCCESS');
    } finally {
      registerLocalWorker(undefined);
      await local.stop();
    }
  });

  it("sets a flow's timeout over REST, and a run past it is stopped with TimeoutExceededError", async () => {
    const created = await call(flowRoute.POST, {
      method: 'POST',
      body: {
        name: 'spinner',
        code: 'export default async function handler() { for (;;) {} }',
        timeout_seconds: 1,
      },
    });
    expect(created.status).toBe(201);
    expect(created.json.timeout_seconds).toBe(1);
    const started = await call(executionRoute.POST, { method: 'POST', body: { flow: 'spinner', wait: 30 } });
    expect(started.json).toMatchObject({ status: 'ENDED_ERROR', error: { name: 'TimeoutExceededError' } });
    expect(started.json.message).toContain('timeout of 1 s');

    const changed = await call(flowByNameRoute.PATCH, {
      method: 'PATCH',
      params: { name: 'spinner' },
      body: { timeout_seconds: 90 },
    });
    expect(changed.status).toBe(200);
    expect(changed.json.timeout_seconds).toBe(90);
    const refused = await call(flowByNameRoute.PATCH, {
      method: 'PATCH',
      params: { name: 'spinner' },
      body: { timeout_seconds: 0 },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.path).toBe('body.timeout_seconds');
  });

  it("lists a graph flow execution's nodes, with a child node's output, and 404 for an unknown execution", async () => {
    await defineFlow(
      db,
      'rest-graph',
      `export default async function handler(this: Execution, system: System) {
        const input = this.input;
        const graph = this.graph();
        graph.node('check', [], async () => graph.take(input.go ? 'true' : 'false'));
        graph.node('run', ['check:true'], async () => this.script('export default async function handler(this: Execution) { return 7; }', null, { nodeId: 'run' }));
        graph.node('idle', ['check:false'], async () => 'idle');
        return graph.done();
      }`,
    );
    const started = await call(executionRoute.POST, {
      method: 'POST',
      path: '/execution',
      body: { flow: 'rest-graph', input_value: { go: true }, wait: 30 },
    });
    expect(started.status).toBe(200);
    const nodes = await call(nodesRoute.GET, {
      path: `/execution/${started.json.id}/nodes`,
      params: { id: started.json.id },
    });
    expect(nodes.status).toBe(200);
    const byId = Object.fromEntries(nodes.json.map((node: { node_id: string }) => [node.node_id, node]));
    expect(byId.check).toMatchObject({ status: 'success', output_value: true, attempts: 1, child_id: null });
    expect(byId.run).toMatchObject({ status: 'success', output_value: 7, attempts: 1 });
    expect(byId.run.child_id).toBe(started.json.children[0].id);
    expect(byId.idle).toMatchObject({ status: 'skipped', started_at: null, output_value: null });
    const unknown = crypto.randomUUID();
    const missing = await call(nodesRoute.GET, {
      path: `/execution/${unknown}/nodes`,
      params: { id: unknown },
    });
    expect(missing.status).toBe(404);
  });

  it('describes itself in an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const document = await call(openApiRoute.GET, { path: '/openapi.json' });
    expect(document.status).toBe(200);
    expect(document.json.openapi).toBe('3.1.0');
    const start = document.json.paths['/execution'].post;
    expect(start.requestBody.content['application/json'].schema.properties).toHaveProperty('input_value');
    expect(document.json.paths['/execution'].get.parameters.map((p: { name: string }) => p.name)).toContain(
      'cursor',
    );
    expect(document.json.paths['/execution/{id}/cancel'].post).toBeDefined();
    expect(document.json.paths['/execution/{id}/nodes'].get).toBeDefined();
    expect(document.json.paths['/connection/{name}'].patch).toBeDefined();
    // Webhooks need no token, only their key.
    expect(document.json.paths['/webhook/{name}/call'].post.security).toEqual([]);
    expect(start.parameters).toContainEqual(
      expect.objectContaining({ name: 'idempotency-key', in: 'header', required: false }),
    );
    expect(start.responses).toHaveProperty('422');
  });
});

describe('REST API: requests from other sites', () => {
  const cookie = 'next-auth.session-token=any-value';

  it('refuses a session cookie sent from another origin, or without an Origin on a change', async () => {
    const forged = await call(flowRoute.POST, {
      method: 'POST',
      auth: null,
      headers: { cookie, origin: 'http://localhost:8080', 'content-type': 'text/plain' },
      raw: JSON.stringify({ name: 'forged' }),
    });
    expect(forged.status).toBe(403);
    expect(forged.json.error).toMatchObject({ code: 'cross_site_request', path: 'header.origin' });
    expect(forged.json.error.message).toContain('http://localhost:8080');

    const noOrigin = await call(flowRoute.POST, {
      method: 'POST',
      auth: null,
      headers: { cookie },
      body: { name: 'forged' },
    });
    expect(noOrigin.status).toBe(403);
    const crossSiteRead = await call(flowRoute.GET, {
      auth: null,
      headers: { cookie, 'sec-fetch-site': 'same-site' },
    });
    expect(crossSiteRead.status).toBe(403);
    expect((await call(flowByNameRoute.GET, { params: { name: 'forged' } })).status).toBe(404);
  });

  it('takes a token from anywhere, in any content type', async () => {
    const created = await call(flowRoute.POST, {
      method: 'POST',
      headers: { origin: 'http://elsewhere.example', 'content-type': 'text/plain' },
      raw: JSON.stringify({ name: 'from-a-script' }),
    });
    expect(created.status).toBe(201);
  });
});

describe('REST API: Idempotency-Key', () => {
  const start = (key: string | undefined, body: Record<string, unknown>, auth?: string) =>
    call(executionRoute.POST, {
      method: 'POST',
      auth,
      headers: key === undefined ? {} : { 'idempotency-key': key },
      body: { flow: 'once', ...body },
    });
  const executionsOf = async (flow: string) =>
    (await db.selectFrom('executions').select('id').where('name', '=', flow).execute()).map((row) => row.id);

  it('answers a retry with the first execution instead of starting another', async () => {
    await call(flowRoute.POST, {
      method: 'POST',
      body: {
        name: 'once',
        code: `export default async function handler(this: any) { return this.success('once'); }`,
      },
    });
    const key = crypto.randomUUID();
    const first = await start(key, { input_value: { n: 1 } });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const retry = await start(key, { input_value: { n: 1 } });
    expect([200, 202]).toContain(retry.status);
    expect(retry.json.id).toBe(first.json.id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // `wait` is how the answer comes, not what is started: a waiting retry waits for the same one.
    const waited = await start(key, { input_value: { n: 1 }, wait: 30 });
    expect(waited).toMatchObject({ status: 200, json: { id: first.json.id, status: 'ENDED_SUCCESS' } });
    expect(await executionsOf('once')).toEqual([first.json.id]);
  });

  it('starts one execution for concurrent requests with one key', async () => {
    const key = crypto.randomUUID();
    const before = (await executionsOf('once')).length;
    const answers = await Promise.all(Array.from({ length: 8 }, () => start(key, { input_value: 'race' })));
    expect(answers.map((answer) => answer.status).every((status) => status === 200 || status === 202)).toBe(
      true,
    );
    expect(new Set(answers.map((answer) => answer.json.id)).size).toBe(1);
    expect((await executionsOf('once')).length).toBe(before + 1);
  });

  it('refuses a key reused for another request with 422, and keeps keys apart per token', async () => {
    const key = crypto.randomUUID();
    const first = await start(key, { input_value: 1 });
    const other = await start(key, { input_value: 2 });
    expect(other.status).toBe(422);
    expect(other.json.error.code).toBe('unprocessable');
    expect(other.json.error.message).toMatch(/Idempotency-Key was already used for a different request/);

    const { token: second } = await createApiToken(db, user.id, 'second');
    const elsewhere = await start(key, { input_value: 1 }, `Bearer ${second}`);
    expect(elsewhere.status).toBe(202);
    expect(elsewhere.json.id).not.toBe(first.json.id);
  });

  it('forgets a key after 24 hours', async () => {
    const key = crypto.randomUUID();
    const first = await start(key, {});
    await sql`update idempotency_keys set created_at = now() - interval '25 hours' where key = ${key}`.execute(
      db,
    );
    const later = await start(key, { input_value: 'something else' });
    expect(later.status).toBe(202);
    expect(later.json.id).not.toBe(first.json.id);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 400 naming the header for a key that is not printable ASCII or too long', async () => {
    for (const key of ['has space', 'x'.repeat(256), 'caf\u00e9']) {
      const answer = await start(key, {});
      expect(answer.status).toBe(400);
      expect(answer.json.error.path).toBe('header.idempotency-key');
    }
  });
});

describe('REST API: hostile input is a 4xx naming the field, never a 500', () => {
  it('refuses input_value that jsonb cannot store or that nests too deep', async () => {
    for (const input_value of [
      'nul \u0000 inside',
      { key: ['\ud800 lone high'] },
      '\udc00',
      { ['k\u0000']: 1 },
    ]) {
      const answer = await call(executionRoute.POST, {
        method: 'POST',
        body: { flow: 'seed-child', input_value },
      });
      expect(answer.status).toBe(400);
      expect(answer.json.error.path).toBe('body.input_value');
    }
    const deep = `{"flow":"seed-child","input_value":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const nested = await call(executionRoute.POST, { method: 'POST', raw: deep });
    expect(nested.status).toBe(400);
    expect(nested.json.error).toMatchObject({ path: 'body.input_value' });
    expect(nested.json.error.message).toMatch(/nested deeper than 64 levels/);
    const deepest = `{"flow":"seed-child","input_value":${'['.repeat(63)}${']'.repeat(63)}}`;
    expect((await call(executionRoute.POST, { method: 'POST', raw: deepest })).status).toBe(202);
  });

  it('refuses U+0000 in flow and connection names, code and filters', async () => {
    const cases = [
      await call(flowByNameRoute.GET, { params: { name: 'a\u0000b' } }),
      await call(flowByNameRoute.DELETE, { method: 'DELETE', params: { name: '\u0000' } }),
      await call(connectionByNameRoute.GET, { params: { name: '\u0000' } }),
      await call(flowRoute.POST, { method: 'POST', body: { name: 'nul-code', code: '// \u0000' } }),
      await call(executionRoute.GET, { path: '/execution?flow=%00' }),
      await call(executionRoute.POST, { method: 'POST', body: { flow: '\u0000' } }),
    ];
    expect(cases.map((answer) => [answer.status, answer.json.error.path])).toEqual([
      [400, 'path.name'],
      [400, 'path.name'],
      [400, 'path.name'],
      [400, 'body.code'],
      [400, 'query.flow'],
      [400, 'body.flow'],
    ]);
  });

  it('refuses cursors that Date.parse takes but PostgreSQL does not', async () => {
    const id = crypto.randomUUID();
    for (const time of [
      '1',
      '+275760-09-13T00:00:00.000Z',
      '0000-01-01T00:00:00.000000Z',
      '2024-02-30T00:00:00.000000Z',
    ]) {
      const cursor = Buffer.from(`${time}|${id}`).toString('base64url');
      const answer = await call(executionRoute.GET, { path: `/execution?cursor=${cursor}` });
      expect(answer.status).toBe(400);
      expect(answer.json.error.path).toBe('query.cursor');
    }
  });

  it('refuses connection config keys that every object has', async () => {
    for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
      const answer = await call(connectionRoute.POST, {
        method: 'POST',
        body: { name: `proto-${key}`, connector_type: 'REST', config: { [key]: 'x' } },
      });
      expect(answer.status).toBe(400);
      expect(answer.json.error.path).toBe(`body.config.${key}`);
    }
  });

  it('says a repeated limit is given twice, not "received NaN"', async () => {
    const answer = await call(executionRoute.GET, { path: '/execution?limit=5&limit=6' });
    expect(answer.status).toBe(400);
    expect(answer.json.error.path).toBe('query.limit');
    expect(answer.json.error.message).not.toContain('NaN');
    expect(answer.json.error.message).toContain('give `limit` once');
  });

  it('answers JSON for a method a path does not have, and for a path the API does not have', async () => {
    const put = await call(flowRoute.PUT, { method: 'PUT', body: {} });
    expect(put.status).toBe(405);
    expect(put.json.error.code).toBe('method_not_allowed');
    expect(put.headers.get('allow')).toBe('GET, POST');
    const unknown = await call(unknownRoute.GET, { path: '/no/such/thing' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toContain('/api/latest/no/such/thing');
  });
});
