import { z } from 'zod';
import { createCodeFlow, updateCodeFlow } from '../../../engine/flows/records';
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
const flowSchema = flowSummarySchema.extend({
  code: z.string().nullable(),
  graph: z.unknown(),
  timeout_seconds: z.number().int(),
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

async function flowRecord(name: string) {
  const flow = await getFlowByName(getDb(), name);
  return {
    ...summary(flow),
    code: flow.code,
    graph: flow.graph,
    timeout_seconds: flow.timeout_seconds,
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
  summary: 'Create a code flow',
  description:
    'Graph flows join this API with the canvas. A syntax error in `code` is refused with its line and column.',
  body: z.strictObject({
    name: nameInput,
    kind: z.literal('code').default('code'),
    code: code.optional(),
    timeout_seconds: timeoutSeconds.optional(),
  }),
  responses: { 201: { description: 'The new flow (version 1)', schema: flowSchema } },
  async handler({ body, principal }) {
    const flow = await createCodeFlow(getDb(), {
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
  summary: 'Save new source (a new version), rename a flow, and/or change its timeout',
  params: nameParams,
  body: z
    .strictObject({
      code: code.optional(),
      name: nameInput.optional(),
      timeout_seconds: timeoutSeconds.optional(),
    })
    .refine(
      (body) => body.code !== undefined || body.name !== undefined || body.timeout_seconds !== undefined,
      { message: 'give `code` (a new version), `name` (a new name), `timeout_seconds`, or several' },
    ),
  responses: { 200: { description: 'The flow after the change', schema: flowSchema } },
  async handler({ params, body, principal }) {
    const flow = await updateCodeFlow(getDb(), params.name, {
      code: body.code,
      newName: body.name,
      timeoutSeconds: body.timeout_seconds,
      userId: principal.userId,
    });
    return { status: 200, body: await flowRecord(flow.name) };
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
