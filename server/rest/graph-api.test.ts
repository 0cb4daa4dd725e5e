import { describe, expect, it } from 'vitest';
import { createApiToken } from '../../engine/auth/api-tokens';
import { createUser } from '../../engine/auth/accounts';
import { TEST_SECRET_KEY } from '../../engine/runtime/testing';
import { createTestDatabase } from '../../test/database';
import { restCaller } from './testing';

const { db, url } = await createTestDatabase();
process.env.DATABASE_URL = url;
process.env.FLOWLINE_SECRET_KEY = TEST_SECRET_KEY;

const flowRoute = await import('../../app/api/latest/flow/route');
const flowByNameRoute = await import('../../app/api/latest/flow/[name]/route');
const convertRoute = await import('../../app/api/latest/flow/[name]/convert/route');
const openApiRoute = await import('../../app/api/latest/openapi.json/route');

const user = await createUser(
  db,
  { email: 'graphs@example.com', name: 'G', password: 'long enough password' },
  { isAdmin: true },
);
const call = restCaller((await createApiToken(db, user.id, 'tests')).token);

const graph = {
  nodes: [
    { id: 'greet', type: 'flow', params: { flow: 'greeter', input: { who: '{{ input.who }}' } } },
    { id: 'check', type: 'condition', params: { expression: "greet.output === 'hi'" } },
    { id: 'done', type: 'end', params: { status: 'success', message: 'greeted {{ input.who }}' } },
  ],
  edges: [
    { source: 'greet', target: 'check' },
    { source: 'check', sourceHandle: 'true', target: 'done' },
  ],
};

describe('graph flows over REST', () => {
  it('POST /flow with kind "graph" creates version 1 with its compiled code; GET reads graph, version and code', async () => {
    const created = await call(flowRoute.POST, {
      method: 'POST',
      body: { name: 'greeting', kind: 'graph', graph },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'greeting', kind: 'graph', version: 1 });
    expect(created.json.warnings.map((issue: { message: string }) => issue.message)).toEqual([
      "check.handles.false: the 'false' branch leads nowhere",
      "greet.params.flow: no flow is named 'greeter'",
    ]);
    const read = await call(flowByNameRoute.GET, { path: '/flow/greeting', params: { name: 'greeting' } });
    expect(read.status).toBe(200);
    expect(read.json.graph.nodes[0]).toEqual({
      id: 'greet',
      type: 'flow',
      position: { x: 0, y: 0 },
      params: { flow: 'greeter', input: { who: '{{ input.who }}' } },
    });
    expect(read.json.graph.edges[0]).toEqual({ source: 'greet', sourceHandle: 'out', target: 'check' });
    expect(read.json.code).toContain(
      "graph.node('greet', [], async () =>\n    this.flow('greeter', { who: input.who }, { nodeId: 'greet' }));",
    );
  });

  it('an invalid graph is refused with 400 and every issue, and nothing is written', async () => {
    const bad = {
      nodes: [
        { id: 'greet', type: 'flow', params: { flow: 'greeter', wait: 'no' } },
        { id: 'check', type: 'condition', params: { expression: 'greet.output ===' } },
      ],
      edges: [{ source: 'greet', target: 'nowhere' }],
    };
    const refused = await call(flowRoute.POST, {
      method: 'POST',
      body: { name: 'broken', kind: 'graph', graph: bad },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({
      code: 'invalid',
      message: expect.stringMatching(/^greet\.params\.wait: /),
    });
    expect(
      refused.json.error.issues.filter((issue: { severity: string }) => issue.severity === 'error'),
    ).toEqual([
      {
        node: 'greet',
        path: 'greet.params.wait',
        message: 'greet.params.wait: Invalid input: expected boolean, received string',
        severity: 'error',
      },
      {
        node: 'greet',
        path: 'edges[0].target',
        message: "edges[0].target: no node has the id 'nowhere'",
        severity: 'error',
      },
    ]);
    expect(
      await db.selectFrom('flows').select('name').where('name', '=', 'broken').executeTakeFirst(),
    ).toBeUndefined();

    const patched = await call(flowByNameRoute.PATCH, {
      method: 'PATCH',
      path: '/flow/greeting',
      params: { name: 'greeting' },
      body: { graph: { nodes: [bad.nodes[1]], edges: [] } },
    });
    expect(patched.status).toBe(400);
    expect(patched.json.error.issues[0]).toMatchObject({ node: 'check', path: 'check.params.expression' });
    const versions = await db.selectFrom('flow_versions').select('version').execute();
    expect(versions).toHaveLength(1);
  });

  it('a request that is not a graph at all is refused with the issue list too', async () => {
    const refused = await call(flowRoute.POST, {
      method: 'POST',
      body: { name: 'shapeless', kind: 'graph', graph: { nodes: 'none' } },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.issues[0]).toMatchObject({ node: null, path: 'body.graph.nodes' });
  });

  it('PATCH with a graph saves a new version; code for a graph flow is refused with what to do', async () => {
    const next = {
      ...graph,
      nodes: graph.nodes.map((node) =>
        node.id === 'done' ? { ...node, params: { status: 'success', message: 'hello' } } : node,
      ),
    };
    const saved = await call(flowByNameRoute.PATCH, {
      method: 'PATCH',
      path: '/flow/greeting',
      params: { name: 'greeting' },
      body: { graph: next },
    });
    expect(saved.status).toBe(200);
    expect(saved.json).toMatchObject({
      version: 2,
      graph: { nodes: [{}, {}, { params: { message: 'hello' } }] },
    });
    const wrong = await call(flowByNameRoute.PATCH, {
      method: 'PATCH',
      path: '/flow/greeting',
      params: { name: 'greeting' },
      body: { code: 'export default async function handler() {}' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.json.error.message).toBe(
      "flow 'greeting' is a graph flow: send `graph`, or convert it to code first",
    );
  });

  it('converts to code and back: POST /flow/<name>/convert', async () => {
    const toCode = await call(convertRoute.POST, {
      method: 'POST',
      path: '/flow/greeting/convert',
      params: { name: 'greeting' },
      body: { to: 'code' },
    });
    expect(toCode.json).toMatchObject({ kind: 'code', version: 3, graph: null });
    const back = await call(convertRoute.POST, {
      method: 'POST',
      path: '/flow/greeting/convert',
      params: { name: 'greeting' },
      body: { to: 'graph' },
    });
    expect(back.json).toMatchObject({
      kind: 'graph',
      version: 4,
      graph: { nodes: [{ id: 'greet' }, { id: 'check' }, { id: 'done' }] },
    });

    await call(flowRoute.POST, {
      method: 'POST',
      body: {
        name: 'by-hand',
        code: 'export default async function handler(this: Execution) {\n  return 1;\n}\n',
      },
    });
    const refused = await call(convertRoute.POST, {
      method: 'POST',
      path: '/flow/by-hand/convert',
      params: { name: 'by-hand' },
      body: { to: 'graph' },
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toMatch(/^line 2: a graph’s handler starts with/);
  });

  it('the OpenAPI document describes every node type\u2019s params', async () => {
    const document = (await call(openApiRoute.GET, { path: '/openapi.json' })).json;
    const body = document.paths['/flow'].post.requestBody.content['application/json'].schema;
    const nodeTypes = body.properties.graph.properties.nodes.items.oneOf.map(
      (node: { properties: { type: { const: string } } }) => node.properties.type.const,
    );
    expect(nodeTypes).toEqual(['webhook', 'schedule', 'flow', 'connection', 'script', 'condition', 'end']);
  });
});
