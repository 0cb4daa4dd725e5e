import { describe, expect, it } from 'vitest';
import { createGraphFlow } from '../../engine/flows/graph-flows';
import { TEST_SECRET_KEY, waitUntil } from '../../engine/runtime/testing';
import { setUpEngineTestbed } from '../../test/engine-testbed';

// A real worker process runs the flows; the route module is called exactly as Next.js serves it.
const { db, url } = await setUpEngineTestbed({
  flows: {
    slow: `export default async function handler(this: any) { await this.sleep(2.5); return 'slept'; }`,
  },
});
process.env.DATABASE_URL = url;
process.env.FLOWLINE_SECRET_KEY = TEST_SECRET_KEY;
const route = await import('../../app/api/latest/webhook/[name]/call/[[...path]]/route');

const KEY = 'a-key-of-sixteen-chars';
const echoOutput = {
  method: '{{ input.method }}',
  path: '{{ input.path }}',
  query: '{{ input.query }}',
  json: '{{ input.json }}',
  body: '{{ input.body }}',
  headers: '{{ input.headers }}',
};

async function graphFlow(name: string, nodes: unknown[], edges: unknown[]) {
  await createGraphFlow(db, { name, graph: { nodes, edges }, userId: null });
}

await graphFlow(
  'hooks-echo',
  [
    { id: 'hook', type: 'webhook', params: { name: 'echo', enabled: true } },
    { id: 'other', type: 'webhook', params: { name: 'echo-other', enabled: true } },
    { id: 'done', type: 'end', params: { status: 'success', output: { via: 'echo', ...echoOutput } } },
    { id: 'done2', type: 'end', params: { status: 'success', output: { via: 'other' } } },
  ],
  [
    { source: 'hook', target: 'done' },
    { source: 'other', target: 'done2' },
  ],
);
await graphFlow(
  'hooks-keyed',
  [
    { id: 'hook', type: 'webhook', params: { name: 'keyed', enabled: true, key: KEY, methods: ['POST'] } },
    { id: 'done', type: 'end', params: { status: 'success', output: echoOutput } },
  ],
  [{ source: 'hook', target: 'done' }],
);
await graphFlow(
  'hooks-answers',
  [
    { id: 'json', type: 'webhook', params: { name: 'custom', enabled: true } },
    { id: 'html', type: 'webhook', params: { name: 'html', enabled: true } },
    { id: 'fail', type: 'webhook', params: { name: 'fails', enabled: true } },
    { id: 'off', type: 'webhook', params: { name: 'disabled' } },
    {
      id: 'custom',
      type: 'end',
      params: {
        status: 'success',
        response: { status: 201, headers: { 'x-flow': 'yes' }, body: { made: '{{ input.json.id }}' } },
      },
    },
    {
      id: 'page',
      type: 'end',
      params: {
        status: 'success',
        response: {
          status: 200,
          headers: { 'content-type': 'text/html', 'set-cookie': 'next-auth.session-token=planted' },
          body: '<h1>Hi</h1>',
        },
      },
    },
    { id: 'failed', type: 'end', params: { status: 'error', message: 'no such order' } },
    { id: 'never', type: 'end', params: { status: 'success' } },
  ],
  [
    { source: 'json', target: 'custom' },
    { source: 'html', target: 'page' },
    { source: 'fail', target: 'failed' },
    { source: 'off', target: 'never' },
  ],
);

await graphFlow(
  'hooks-edges',
  [
    { id: 'hook', type: 'webhook', params: { name: 'slow', enabled: true, timeout_seconds: 1 } },
    {
      id: 'browser',
      type: 'webhook',
      params: {
        name: 'from-browser',
        enabled: true,
        methods: ['POST'],
        cors_origins: ['https://shop.example'],
      },
    },
    { id: 'nap', type: 'flow', params: { flow: 'slow' } },
    { id: 'done', type: 'end', params: { status: 'success', output: { slept: '{{ nap.output }}' } } },
    { id: 'ok', type: 'end', params: { status: 'success', output: { ok: true } } },
  ],
  [
    { source: 'hook', target: 'nap' },
    { source: 'nap', target: 'done' },
    { source: 'browser', target: 'ok' },
  ],
);

type Call = {
  method?: string;
  path?: string[];
  query?: string;
  body?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
};

async function call(name: string, options: Call = {}) {
  const method = options.method ?? 'POST';
  const sub = options.path ? `/${options.path.join('/')}` : '';
  const request = new Request(
    `http://localhost/api/latest/webhook/${name}/call${sub}${options.query ?? ''}`,
    {
      method,
      headers: options.headers,
      body: options.body,
    },
  );
  const handler = route[method as keyof typeof route];
  const response = await handler(request, { params: Promise.resolve({ name, path: options.path }) });
  const text = await response.text();
  let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read loose JSON
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

const jsonHeaders = { 'content-type': 'application/json' };
const countWebhookExecutions = async () =>
  Number(
    (
      await db
        .selectFrom('executions')
        .where('type', '=', 'WEBHOOK')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('webhooks', () => {
  it('answers each method with the output; the firing trigger passes the request on, the other is skipped', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const body = method === 'GET' ? undefined : JSON.stringify({ n: 1 });
      const answer = await call('echo', { method, query: '?a=1', body, headers: jsonHeaders });
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({ via: 'echo', method, path: '', query: { a: '1' } });
      if (body) expect(answer.json.json).toEqual({ n: 1 });
    }
    const head = await call('echo', { method: 'HEAD' });
    expect([head.status, head.text]).toEqual([200, '']);

    const other = await call('echo-other', { method: 'GET' });
    expect(other.json).toEqual({ via: 'other' });
    const flow = await db
      .selectFrom('executions')
      .where('type', '=', 'FLOW')
      .where('node_id', '=', 'other')
      .selectAll()
      .executeTakeFirstOrThrow();
    const nodes = await db
      .selectFrom('execution_nodes')
      .where('execution_id', '=', flow.id)
      .select(['node_id', 'status'])
      .execute();
    expect(Object.fromEntries(nodes.map((node) => [node.node_id, node.status]))).toMatchObject({
      other: 'success',
      hook: 'skipped',
      done: 'skipped',
      done2: 'success',
    });
    // The call is a WEBHOOK execution whose FLOW child ran, and it ended as its child did.
    const parent = await db
      .selectFrom('executions')
      .where('id', '=', flow.parent_id!)
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(parent).toMatchObject({ type: 'WEBHOOK', name: 'echo-other', status: 'ENDED_SUCCESS' });
    expect(parent.output).toEqual({ via: 'other' });
  });

  it('a sub-path reaches the flow; credentials in headers are masked', async () => {
    const answer = await call('echo', {
      method: 'GET',
      path: ['orders', '42'],
      headers: { authorization: 'Bearer secret', cookie: 'a=b', 'x-trace': 't1' },
    });
    expect(answer.json.path).toBe('/orders/42');
    expect(answer.json.headers).toMatchObject({ authorization: '***', cookie: '***', 'x-trace': 't1' });
  });

  it('needs the key in the query or the JSON body; a wrong one is 401 and starts nothing', async () => {
    const before = await countWebhookExecutions();
    for (const attempt of [{}, { query: '?key=wrong-key-of-enough-length' }, { body: '{"key":"nope"}' }]) {
      const refused = await call('keyed', { headers: jsonHeaders, ...attempt });
      expect(refused.status).toBe(401);
      expect(refused.json.error.code).toBe('unauthorized');
    }
    expect(await countWebhookExecutions()).toBe(before);
    const byQuery = await call('keyed', { query: `?key=${KEY}&x=1`, body: '{"a":1}', headers: jsonHeaders });
    expect(byQuery.status).toBe(200);
    expect(byQuery.json.query).toEqual({ x: '1' });
    const byBody = await call('keyed', { body: JSON.stringify({ key: KEY, a: 2 }), headers: jsonHeaders });
    expect(byBody.status).toBe(200);
    expect(byBody.json.json).toEqual({ a: 2 });
    expect(byBody.json.body).not.toContain(KEY);
    const wrongMethod = await call('keyed', { method: 'GET', query: `?key=${KEY}` });
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
  });

  it('disabled and unknown webhooks are 404', async () => {
    expect((await call('disabled')).status).toBe(404);
    expect((await call('nobody-has-this')).status).toBe(404);
    expect((await call('bad name!')).status).toBe(404);
  });

  it('answers what the flow sets: a status and headers, HTML; a failure is 500 without a stack', async () => {
    const custom = await call('custom', { body: '{"id":"o-1"}', headers: jsonHeaders });
    expect([custom.status, custom.headers.get('x-flow'), custom.json]).toEqual([201, 'yes', { made: 'o-1' }]);
    const html = await call('html', { method: 'GET' });
    expect([html.status, html.headers.get('content-type'), html.text]).toEqual([
      200,
      'text/html',
      '<h1>Hi</h1>',
    ]);
    // Served from Flowline's origin but written by a flow: an opaque origin, and no cookies of its own.
    expect(html.headers.get('content-security-policy')).toMatch(/^sandbox /);
    expect(html.headers.get('set-cookie')).toBeNull();
    const failed = await call('fails', { method: 'GET' });
    expect(failed.status).toBe(500);
    expect(failed.json.error.message).toBe('no such order');
    expect(failed.json.execution_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(failed.text).not.toContain('    at ');
  });

  it('async=1 answers 202 at once, and the execution ends', async () => {
    const answer = await call('echo', { method: 'GET', query: '?async=1' });
    expect(answer.status).toBe(202);
    const id = answer.json.execution_id as string;
    await waitUntil(async () => {
      const row = await db.selectFrom('executions').where('id', '=', id).select('status').executeTakeFirst();
      return row?.status === 'ENDED_SUCCESS';
    });
  });

  it('refuses a body over 1 MiB (413) and malformed JSON (400), starting nothing', async () => {
    const before = await countWebhookExecutions();
    const big = await call('echo', { body: new Uint8Array(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    const malformed = await call('echo', { body: '{"a":', headers: jsonHeaders });
    expect([malformed.status, malformed.json.error.code]).toEqual([400, 'invalid_json']);
    expect(await countWebhookExecutions()).toBe(before);
    // Not declared JSON: kept as text and bytes, not parsed.
    const text = await call('echo', { body: '{"a":', headers: { 'content-type': 'text/plain' } });
    expect([text.status, text.json.body, text.json.json]).toEqual([200, '{"a":', null]);
  });

  it('a flow slower than the timeout answers 504 with its ids, and goes on to its end', async () => {
    const answer = await call('slow', { method: 'GET' });
    expect(answer.status).toBe(504);
    expect(answer.json.error).toEqual({
      code: 'timeout',
      message: 'The flow did not end within 1 s; it goes on running',
    });
    await waitUntil(async () => {
      const row = await db
        .selectFrom('executions')
        .where('id', '=', answer.json.execution_id as string)
        .select(['status', 'output'])
        .executeTakeFirst();
      return row?.status === 'ENDED_SUCCESS' && row;
    }, 30_000);
    const child = await db
      .selectFrom('executions')
      .where('id', '=', answer.json.flow_execution_id as string)
      .select('output')
      .executeTakeFirstOrThrow();
    expect(child.output).toEqual({ slept: 'slept' });
  });

  it('CORS: a preflight from an allowed origin is 204, another origin 403, a webhook without origins 405', async () => {
    const preflight = (name: string, origin: string) =>
      call(name, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('from-browser', 'https://shop.example');
    expect(allowed.status).toBe(204);
    expect(Object.fromEntries(allowed.headers)).toMatchObject({
      'access-control-allow-origin': 'https://shop.example',
      'access-control-allow-methods': 'POST',
    });
    expect((await preflight('from-browser', 'https://evil.example')).status).toBe(403);
    const none = await preflight('echo', 'https://shop.example');
    expect(none.status).toBe(405);
    // The call itself carries the allow-origin header for the allowed origin only.
    const posted = await call('from-browser', { headers: { origin: 'https://shop.example' } });
    expect([posted.status, posted.headers.get('access-control-allow-origin')]).toEqual([
      200,
      'https://shop.example',
    ]);
    const foreign = await call('from-browser', { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 100 concurrent calls, and every execution ends', async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => call('echo', { method: 'GET', query: `?i=${i}` })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(100).fill(200));
    expect(answers.map((answer) => answer.json.query.i)).toEqual(
      Array.from({ length: 100 }, (_, i) => `${i}`),
    );
    const unended = await db
      .selectFrom('executions')
      .where('status', 'in', ['PENDING', 'RUNNING', 'WAITING', 'PAUSED'])
      .select('id')
      .execute();
    expect(unended).toEqual([]);
  });
});
