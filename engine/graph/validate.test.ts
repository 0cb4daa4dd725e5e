import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { validateGraph, type GraphContext } from './validate';

const context: GraphContext = {
  flowName: 'mine',
  flows: new Set(['billing']),
  connections: new Map([['orders-api', 'REST']]),
  connectorSchema: (type) =>
    type === 'REST'
      ? z.strictObject({
          url: z.string(),
          method: z.enum(['GET', 'POST']).optional(),
          timeout: z.number().optional(),
        })
      : undefined,
  connectorTypes: ['REST'],
  webhookOwners: new Map([['taken', 'other-flow']]),
};

function messages(graph: unknown, withContext = false) {
  return validateGraph(graph, withContext ? { context } : {}).issues.map(
    (issue) => `${issue.severity}: ${issue.message}`,
  );
}

const bill = { id: 'bill', type: 'flow', params: { flow: 'billing' } };

describe('validating a graph reports each problem at its node and parameter', () => {
  it('accepts a valid graph, and gives it back in canonical form', () => {
    const result = validateGraph({
      nodes: [
        { id: 'b', type: 'flow', params: { input: { x: '{{a.output}}' }, flow: 'billing' } },
        { id: 'a', type: 'flow', params: { flow: 'billing' } },
      ],
      edges: [{ source: 'a', target: 'b' }],
    });
    expect(result.issues).toEqual([]);
    expect(result.graph).toEqual({
      nodes: [
        { id: 'a', type: 'flow', params: { flow: 'billing' } },
        { id: 'b', type: 'flow', params: { flow: 'billing', input: { x: '{{ a.output }}' } } },
      ],
      edges: [{ source: 'a', sourceHandle: 'out', target: 'b' }],
    });
    expect(result.compiled?.code).toContain("graph.node('b', ['a'], async ({ a }) =>");
  });

  it('refuses what is not of the format, naming the node', () => {
    expect(messages({ nodes: [{ id: 'Fetch', type: 'flow', params: {} }] })).toEqual([
      'error: nodes[0].id: an id is lower-case letters, digits and _, not starting with a digit',
    ]);
    expect(messages({ nodes: [{ id: 'if', type: 'flow' }] })).toEqual([
      'error: nodes[0].id: this id is a reserved word or a name the compiled flow uses itself',
    ]);
    expect(
      messages({ nodes: [{ id: 'a', type: 'flow', params: { flow: 'billing' }, color: 'red' }] }),
    ).toEqual(['error: a: Unrecognized key: "color"']);
    expect(messages({ edges: [] })).toEqual([
      'error: nodes: Invalid input: expected array, received undefined',
    ]);
  });

  it('duplicate ids', () => {
    expect(messages({ nodes: [bill, bill] })).toEqual([
      "error: bill.id: 2 nodes have the id 'bill'; an id is unique in its graph",
    ]);
  });

  it('unknown node types', () => {
    expect(messages({ nodes: [{ id: 'x', type: 'email', params: {} }] })).toEqual([
      "error: x.type: unknown node type 'email' (the types: webhook, schedule, flow, connection, script, condition, end)",
    ]);
  });

  it('missing and ill-typed params', () => {
    expect(messages({ nodes: [{ id: 'bill', type: 'flow', params: { wait: 'yes' } }] })).toEqual([
      'error: bill.params.flow: Invalid input: expected string, received undefined',
      'error: bill.params.wait: Invalid input: expected boolean, received string',
    ]);
    expect(messages({ nodes: [{ id: 'c', type: 'connection', params: {} }] })).toEqual([
      'error: c.params: give exactly one of `connection` and `connector_type`',
    ]);
    expect(
      messages({
        nodes: [{ id: 'tick', type: 'schedule', params: { cron: '* * *', timezone: 'Mars/Olympus' } }],
      }),
    ).toEqual([
      'error: tick.params.cron: a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first), this one has 3',
      "error: tick.params.timezone: 'Mars/Olympus' is not a time zone (e.g. UTC, Europe/Vienna)",
    ]);
    expect(
      messages({ nodes: [{ id: 'hook', type: 'webhook', params: { name: '{{ input.name }}' } }] }),
    ).toEqual([
      'error: hook.params.name: letters, digits and _ . -, starting with a letter or digit',
      'error: hook.params.name: a trigger\u2019s params are fixed values, not {{ expressions }}',
    ]);
  });

  it('dangling edges', () => {
    expect(
      messages({
        nodes: [bill],
        edges: [
          { source: 'bill', target: 'nowhere' },
          { source: 'ghost', target: 'bill' },
        ],
      }),
    ).toEqual([
      "error: edges[0].source: no node has the id 'ghost'",
      "error: edges[1].target: no node has the id 'nowhere'",
    ]);
  });

  it('edges into a trigger, from a handle the node does not have, and twice the same', () => {
    const hook = { id: 'hook', type: 'webhook', params: { name: 'orders' } };
    expect(
      messages({
        nodes: [hook, bill],
        edges: [
          { source: 'hook', target: 'bill' },
          { source: 'bill', target: 'hook' },
        ],
      }),
    ).toContain("error: edges[0].target: 'hook' is a trigger; no edge may lead into it");
    const next = { id: 'next', type: 'flow', params: { flow: 'billing' } };
    expect(
      messages({ nodes: [bill, next], edges: [{ source: 'bill', sourceHandle: 'error', target: 'next' }] }),
    ).toEqual([
      "error: edges[0].sourceHandle: 'bill' (flow) has no handle 'error' (its handles: out) (set its on_error to continue for an error handle)",
    ]);
    expect(
      messages({
        nodes: [bill, next],
        edges: [
          { source: 'bill', target: 'next' },
          { source: 'bill', target: 'next' },
        ],
      }),
    ).toEqual(['error: edges[1]: the same edge as edges[0] (bill:out to next)']);
  });

  it('two edges from a handle that takes one, and a condition branch that leads nowhere (a warning)', () => {
    const reserve = { id: 'reserve', type: 'flow', params: { flow: 'billing', on_error: 'continue' } };
    const check = { id: 'check', type: 'condition', params: { expression: 'input.n > 1' } };
    const a = { id: 'a', type: 'flow', params: { flow: 'billing' } };
    const b = { id: 'b', type: 'flow', params: { flow: 'billing' } };
    expect(
      messages({
        nodes: [reserve, check, a, b],
        edges: [
          { source: 'reserve', sourceHandle: 'error', target: 'a' },
          { source: 'reserve', sourceHandle: 'error', target: 'b' },
          { source: 'reserve', target: 'check' },
          { source: 'check', sourceHandle: 'true', target: 'a' },
          { source: 'check', sourceHandle: 'true', target: 'b' },
        ],
      }),
    ).toEqual([
      "error: reserve.handles.error: the 'error' handle takes one edge, and 2 leave it (to a, b)",
      "warning: check.handles.false: the 'false' branch leads nowhere",
    ]);
  });

  it('cycles', () => {
    const node = (id: string) => ({ id, type: 'flow', params: { flow: 'billing' } });
    expect(
      messages({
        nodes: [node('a'), node('b'), node('c')],
        edges: [
          { source: 'a', target: 'b' },
          { source: 'b', target: 'c' },
          { source: 'c', target: 'b' },
        ],
      }),
    ).toEqual(["error: b: is on a cycle: b \u2192 c \u2192 b; a graph's edges may not lead back"]);
  });

  it('nodes no trigger leads to', () => {
    const hook = { id: 'hook', type: 'webhook', params: { name: 'orders' } };
    expect(
      messages({
        nodes: [hook, bill, { id: 'lost', type: 'end', params: { status: 'success' } }],
        edges: [{ source: 'hook', target: 'bill' }],
      }),
    ).toEqual(['error: lost: is unreachable: no trigger leads to it (connect it, or remove it)']);
  });

  it('expressions: not one expression, references to unknown nodes and to nodes not upstream', () => {
    const a = { id: 'a', type: 'flow', params: { flow: 'billing', input: { x: '{{ b.output }}' } } };
    const b = {
      id: 'b',
      type: 'flow',
      params: { flow: 'billing', input: { y: '{{ a.output }}', z: '{{ zz.output }}', w: '{{ 1); (2 }}' } },
    };
    const c = { id: 'c', type: 'condition', params: { expression: 'a.output // done' } };
    expect(
      messages({
        nodes: [a, b, c],
        edges: [
          { source: 'a', target: 'b' },
          { source: 'b', target: 'c' },
        ],
      }),
    ).toEqual([
      "warning: c.handles.true: the 'true' branch leads nowhere",
      "warning: c.handles.false: the 'false' branch leads nowhere",
      "error: a.params.input.x: refers to node 'b', which is not upstream of 'a'",
      "error: b.params.input.z: refers to 'zz', which is neither `input` nor a node of this graph",
      'error: b.params.input.w: not one expression (statements, or text after the expression)',
      'error: c.params.expression: an expression may not end with a // comment',
    ]);
  });

  it('unknown flows and connections are warnings; unknown connector types and fields are errors', () => {
    const graph = {
      nodes: [
        { id: 'later', type: 'flow', params: { flow: 'not-yet' } },
        { id: 'call', type: 'connection', params: { connection: 'nope' } },
        { id: 'adhoc', type: 'connection', params: { connector_type: 'FTP' } },
        {
          id: 'rest',
          type: 'connection',
          params: {
            connector_type: 'REST',
            inputs: { url: 'http://x', method: 'PUT', verb: 1, timeout: '{{ input.t }}' },
          },
        },
      ],
      edges: [],
    };
    expect(messages(graph, true)).toEqual([
      "warning: later.params.flow: no flow is named 'not-yet'",
      "warning: call.params.connection: no connection is named 'nope'",
      "error: adhoc.params.connector_type: unknown connector type 'FTP' (the types: REST)",
      'error: rest.params.inputs.method: Invalid option: expected one of "GET"|"POST"',
      "error: rest.params.inputs.verb: REST has no field 'verb' (its fields: url, method, timeout)",
    ]);
  });

  it('webhook names used twice, in the graph or by another flow', () => {
    const hook = (id: string, name: string) => ({ id, type: 'webhook', params: { name } });
    expect(
      messages({ nodes: [hook('one', 'orders'), hook('two', 'orders'), hook('three', 'taken')] }, true),
    ).toEqual([
      "error: two.params.name: the webhook name 'orders' is used by node 'one' too",
      "error: three.params.name: the webhook name 'taken' is used by flow 'other-flow' too; webhook names are unique across flows",
    ]);
  });
});
