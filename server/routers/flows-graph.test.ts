import { describe, expect, it } from 'vitest';
import { InvalidGraphError } from '../../engine/graph/issues';
import { createTestDatabase } from '../../test/database';
import { routerCallers, trpcFailureOf } from './testing';

const { db, url } = await createTestDatabase();
process.env.DATABASE_URL = url;
const { signedIn, anonymous } = await routerCallers(db, 'graphs@example.com');

const graph = {
  nodes: [
    { id: 'a', type: 'flow', params: { flow: 'later' } },
    { id: 'check', type: 'condition', params: { expression: 'a.status === "success"' } },
  ],
  edges: [{ source: 'a', target: 'check' }],
};

describe('the flows router for graph flows', () => {
  it('asks for a signed-in user', async () => {
    expect(await trpcFailureOf(anonymous.flows.validateGraph({ graph }))).toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('creates a graph flow, validates, compiles, saves and converts it', async () => {
    const created = await signedIn.flows.create({ name: 'drawn', kind: 'graph' });
    expect(created).toMatchObject({ kind: 'graph', version: 1 });

    const { issues } = await signedIn.flows.validateGraph({ name: 'drawn', graph });
    expect(issues.map((issue) => issue.message)).toEqual([
      "check.handles.true: the 'true' branch leads nowhere",
      "check.handles.false: the 'false' branch leads nowhere",
      "a.params.flow: no flow is named 'later'",
    ]);

    const compiled = await signedIn.flows.compileGraph({ graph });
    expect(compiled.nodes.map((node) => [node.id, node.line])).toEqual([
      ['a', 7],
      ['check', 11],
    ]);
    expect(compiled.code?.split('\n')[11]).toBe("  graph.node('check', ['a'], async ({ a }) => {");

    expect(await signedIn.flows.saveGraph({ name: 'drawn', graph })).toMatchObject({ version: 2 });
    expect(await signedIn.flows.convert({ name: 'drawn', to: 'code' })).toEqual({ version: 3, warnings: [] });
    expect((await signedIn.flows.get({ name: 'drawn' })).kind).toBe('code');
    expect(await signedIn.flows.convert({ name: 'drawn', to: 'graph' })).toMatchObject({ version: 4 });
  });

  it('renames a node with its references', async () => {
    const renamed = await signedIn.flows.renameNode({ graph, from: 'a', to: 'first' });
    expect(renamed.nodes[1]?.params.expression).toBe('first.status === "success"');
    expect(renamed.edges).toEqual([{ source: 'first', sourceHandle: 'out', target: 'check' }]);
    expect(await trpcFailureOf(signedIn.flows.renameNode({ graph, from: 'a', to: 'check' }))).toEqual({
      code: 'BAD_REQUEST',
      message: "a node has the id 'check' already",
    });
  });

  it('refuses an invalid graph as BAD_REQUEST, with every issue on the error', async () => {
    const failure = signedIn.flows.saveGraph({
      name: 'drawn',
      graph: { nodes: [{ id: 'x', type: 'nope' }], edges: [] },
    });
    await expect(failure).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      cause: expect.any(InvalidGraphError),
    });
    const cause = await failure.then(
      () => undefined,
      (caught: { cause?: unknown }) => caught.cause,
    );
    expect((cause as InvalidGraphError).issues.map((issue) => issue.path)).toEqual(['x.type']);
    expect((await signedIn.flows.get({ name: 'drawn' })).version).toBe(4);
  });

  it('a save based on an older version is refused with who changed it and when; nothing is overwritten', async () => {
    await signedIn.flows.create({ name: 'shared', kind: 'graph' });
    const base = (await signedIn.flows.get({ name: 'shared' })).version;
    const first = { nodes: [{ id: 'mine', type: 'flow', params: { flow: 'a' } }], edges: [] };
    const second = { nodes: [{ id: 'theirs', type: 'flow', params: { flow: 'b' } }], edges: [] };
    expect(await signedIn.flows.saveGraph({ name: 'shared', graph: first, baseVersion: base })).toMatchObject(
      { version: 2 },
    );
    const refused = await trpcFailureOf(
      signedIn.flows.saveGraph({ name: 'shared', graph: second, baseVersion: base }),
    );
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toMatch(
      /^changed by graphs at \d{4}-\d\d-\d\dT[\d:.]+Z \(version 2; you edited version 1\): reload to see it/,
    );
    expect((await signedIn.flows.get({ name: 'shared' })).graph).toMatchObject({ nodes: [{ id: 'mine' }] });
  });

  it('lists versions with author and time, shows one, and restores it as a new version', async () => {
    const versions = await signedIn.flows.versions({ name: 'shared' });
    expect(versions.map((version) => [version.version, version.kind, version.author])).toEqual([
      [2, 'graph', 'graphs'],
      [1, 'graph', 'graphs'],
    ]);
    expect((await signedIn.flows.version({ name: 'shared', version: 1 })).graph).toEqual({
      nodes: [],
      edges: [],
    });
    expect(await signedIn.flows.restore({ name: 'shared', version: 1, baseVersion: 2 })).toEqual({
      version: 3,
      warnings: [],
    });
    expect((await signedIn.flows.get({ name: 'shared' })).graph).toEqual({ nodes: [], edges: [] });
    expect(await trpcFailureOf(signedIn.flows.version({ name: 'shared', version: 9 }))).toEqual({
      code: 'NOT_FOUND',
      message: "flow 'shared' has no version 9",
    });
  });
});
