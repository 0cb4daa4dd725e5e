import { z } from 'zod';
import { convertFlowToCode, convertFlowToGraph, createGraphFlow } from '../../../engine/flows/graph-flows';
import { createCodeFlow, updateFlow } from '../../../engine/flows/records';
import { graphJsonSchema } from '../../../engine/graph/document';
import type { GraphIssue } from '../../../engine/graph/issues';
import { graphSchema } from '../../../engine/graph/model';
import { deleteFlow, getFlowByName, listFlows, MAX_FLOW_TIMEOUT_SECONDS } from '../../../engine/store/flows';
import { pgText } from '../../../engine/store/pg-values';
import { getDb } from '../../db';
import { nameInput } from '../../inputs';
import { defineEndpoint } from '../endpoint';

const MAX_CODE_CHARS = 512 * 1024;

const flowSummarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: z.enum(['code', 'graph']),
  version: z.number().int(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
/**
 * A graph as the API takes it: the shape is checked here, the rest (params, edges, expressions, types)
 * by the validator, whose messages name the node. The document shows every node type's params.
 */
const graph = graphSchema.meta(graphJsonSchema());

const issueSchema = z.object({
  node: z.string().nullable().describe('The node the issue is at (null: the graph as a whole)'),
  path: z.string().describe('Where: `<node id>.params.<param>`, `<node id>.handles.<handle>`, `edges[i]`'),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
});

const flowSchema = flowSummarySchema.extend({
  code: z.string().nullable().describe("A code flow's source, or a graph flow's compiled module"),
  graph: graph.nullable().describe("A graph flow's graph (null for a code flow)"),
  timeout_seconds: z.number().int(),
  warnings: z
    .array(issueSchema)
    .optional()
    .describe("After a save: the graph's warnings (a flow or connection it names does not exist yet)"),
});

type FlowRecord = {
  id: string;
  name: string;
  kind: 'code' | 'graph';
  version: number;
  created_at: Date;
  updated_at: Date;
};

function summary(flow: FlowRecord) {
  return {
    id: flow.id,
    name: flow.name,
    kind: flow.kind,
    version: flow.version,
    created_at: flow.created_at.toISOString(),
    updated_at: flow.updated_at.toISOString(),
  };
}

async function flowRecord(name: string, warnings?: GraphIssue[]) {
  const flow = await getFlowByName(getDb(), name);
  return {
    ...summary(flow),
    code: flow.code,
    graph: flow.graph,
    timeout_seconds: flow.timeout_seconds,
    ...(warnings && { warnings }),
  };
}

// Name rules (characters, length, uniqueness) are the engine's; here only the shape is checked.
const nameParams = z.object({ name: nameInput });
const timeoutSeconds = z
  .number()
  .int()
  .min(1)
  .max(MAX_FLOW_TIMEOUT_SECONDS)
  .describe(
    'Seconds a run of the flow may take before it is stopped with TimeoutExceededError (default 3600)',
  );

const code = pgText()
  .max(MAX_CODE_CHARS)
  .describe('TypeScript module: `export default async function handler(this, system)`');

export const listFlowsEndpoint = defineEndpoint({
  method: 'GET',
  path: '/flow',
  tag: 'Flows',
  summary: 'List flows',
  responses: { 200: { description: 'Every flow', schema: z.object({ items: z.array(flowSummarySchema) }) } },
  async handler() {
    return { status: 200, body: { items: (await listFlows(getDb())).map(summary) } };
  },
});

export const getFlowEndpoint = defineEndpoint({
  method: 'GET',
  path: '/flow/{name}',
  tag: 'Flows',
  summary: 'Read a flow with its current source',
  params: nameParams,
  responses: { 200: { description: 'The flow', schema: flowSchema } },
  async handler({ params }) {
    return { status: 200, body: await flowRecord(params.name) };
  },
});

export const createFlowEndpoint = defineEndpoint({
  method: 'POST',
  path: '/flow',
  tag: 'Flows',
  summary: 'Create a code flow or a graph flow',
  description:
    'A code flow from `code` (a syntax error is refused with its line and column), or a graph flow ' +
    '(`kind: "graph"`) from `graph` (docs/graph.md). An invalid graph is refused with 400 and every ' +
    'issue in `error.issues`; nothing is created.',
  body: z
    .strictObject({
      name: nameInput,
      kind: z.enum(['code', 'graph']).default('code'),
      code: code.optional(),
      graph: graph.optional(),
      timeout_seconds: timeoutSeconds.optional(),
    })
    .refine((body) => body.kind === 'graph' || body.graph === undefined, {
      message: 'a code flow takes `code`; send `kind: "graph"` with a graph',
      path: ['graph'],
    })
    .refine((body) => body.kind === 'code' || body.code === undefined, {
      message: 'a graph flow takes `graph`; its code is compiled from it',
      path: ['code'],
    }),
  responses: { 201: { description: 'The new flow (version 1)', schema: flowSchema } },
  async handler({ body, principal }) {
    const db = getDb();
    if (body.kind === 'graph') {
      const { flow, warnings } = await createGraphFlow(db, {
        name: body.name,
        graph: body.graph ?? { nodes: [], edges: [] },
        userId: principal.userId,
      });
      if (body.timeout_seconds !== undefined) {
        await updateFlow(db, flow.name, { timeoutSeconds: body.timeout_seconds, userId: principal.userId });
      }
      return { status: 201, body: await flowRecord(flow.name, warnings) };
    }
    const flow = await createCodeFlow(db, {
      name: body.name,
      code: body.code,
      timeoutSeconds: body.timeout_seconds,
      userId: principal.userId,
    });
    return { status: 201, body: await flowRecord(flow.name) };
  },
});

export const updateFlowEndpoint = defineEndpoint({
  method: 'PATCH',
  path: '/flow/{name}',
  tag: 'Flows',
  summary: 'Save new source or a new graph (a new version), rename a flow, and/or change its timeout',
  description:
    '`code` for a code flow, `graph` for a graph flow. An invalid graph is refused with 400 and every ' +
    'issue in `error.issues`; the last valid version stays the one that runs.',
  params: nameParams,
  body: z
    .strictObject({
      code: code.optional(),
      graph: graph.optional(),
      name: nameInput.optional(),
      timeout_seconds: timeoutSeconds.optional(),
    })
    .refine((body) => Object.values(body).some((value) => value !== undefined), {
      message: 'give `code` or `graph` (a new version), `name` (a new name), `timeout_seconds`, or several',
    }),
  responses: { 200: { description: 'The flow after the change', schema: flowSchema } },
  async handler({ params, body, principal }) {
    const { flow, warnings } = await updateFlow(getDb(), params.name, {
      code: body.code,
      graph: body.graph,
      newName: body.name,
      timeoutSeconds: body.timeout_seconds,
      userId: principal.userId,
    });
    return {
      status: 200,
      body: await flowRecord(flow.name, body.graph === undefined ? undefined : warnings),
    };
  },
});

export const convertFlowEndpoint = defineEndpoint({
  method: 'POST',
  path: '/flow/{name}/convert',
  tag: 'Flows',
  summary: 'Convert a graph flow to code, or code in the compiled shape back to a graph (a new version)',
  description:
    '`to: "code"`: the compiled module becomes the flow\'s source. `to: "graph"`: code in the shape the ' +
    'compiler writes reads back into the graph; code out of that shape is refused with 400 and the line.',
  params: nameParams,
  body: z.strictObject({ to: z.enum(['code', 'graph']) }),
  responses: { 200: { description: 'The flow after the conversion', schema: flowSchema } },
  async handler({ params, body, principal }) {
    const db = getDb();
    if (body.to === 'code') {
      await convertFlowToCode(db, params.name, principal.userId);
      return { status: 200, body: await flowRecord(params.name) };
    }
    const { warnings } = await convertFlowToGraph(db, params.name, principal.userId);
    return { status: 200, body: await flowRecord(params.name, warnings) };
  },
});

export const deleteFlowEndpoint = defineEndpoint({
  method: 'DELETE',
  path: '/flow/{name}',
  tag: 'Flows',
  summary: 'Delete a flow and its versions (its executions are kept)',
  params: nameParams,
  responses: { 200: { description: 'Deleted', schema: z.object({ deleted: z.string() }) } },
  async handler({ params }) {
    const db = getDb();
    const flow = await getFlowByName(db, params.name);
    await deleteFlow(db, flow.id);
    return { status: 200, body: { deleted: flow.name } };
  },
});
