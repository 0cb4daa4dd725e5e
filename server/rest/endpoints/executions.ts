import { z } from 'zod';
import {
  getExecutionNodesView,
  getExecutionView,
  viewExecution,
  type ExecutionView,
} from '../../../engine/executions/view';
import { cancelExecution } from '../../../engine/runtime/finish';
import { localWorker, type LocalWorker } from '../../../engine/runtime/local-worker';
import { requestHash } from '../../../engine/runtime/host/journal';
import {
  startExecution,
  startExecutionOnce,
  type EngineHandles,
  type StartExecutionRequest,
} from '../../../engine/runtime/start';
import { cursorTime, listExecutionPage, type ExecutionCursor } from '../../../engine/store/execution-list';
import { findRunnableFlow } from '../../../engine/store/flow-versions';
import { getChildren, isEnded } from '../../../engine/store/executions';
import { EXECUTION_STATUSES, EXECUTION_TYPES, type Execution } from '../../../engine/store/database';
import { JSON_MAX_DEPTH, pgJson, pgText } from '../../../engine/store/pg-values';
import { IDEMPOTENCY_KEY_HOURS, type IdempotencyKey } from '../../../engine/store/idempotency';
import { getDb } from '../../db';
import { getEngine, getExecutionWatcher } from '../../engine';
import { defineEndpoint, type ApiPrincipal } from '../endpoint';
import { ApiError } from '../errors';

const MAX_WAIT_SECONDS = 300;

const summarySchema = z.object({
  id: z.uuid(),
  type: z.enum(EXECUTION_TYPES),
  name: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  is_productive: z.boolean(),
  parent_id: z.uuid().nullable(),
  root_id: z.uuid(),
  flow_id: z.uuid().nullable(),
  flow_version: z.number().int().nullable(),
  created_at: z.iso.datetime(),
  started_at: z.iso.datetime().nullable(),
  ended_at: z.iso.datetime().nullable(),
});

const executionSchema = summarySchema.extend({
  input_value: z.unknown(),
  output_value: z.unknown(),
  message: z.string().nullable(),
  error: z.object({ name: z.string(), message: z.string(), stack: z.string().optional() }).nullable(),
  node_id: z.string().nullable(),
  started_by: z.object({ kind: z.string(), id: z.string().optional() }),
  duration_ms: z.number().nullable(),
  children: z.array(summarySchema),
});

const idParams = z.object({ id: z.uuid('must be an execution id (a UUID)') });

const startBody = z
  .strictObject({
    flow: pgText().min(1).max(128).optional().describe('The name of the flow to run'),
    flow_id: z.uuid().optional().describe('The id of the flow to run (instead of `flow`)'),
    input_value: pgJson()
      .optional()
      .describe(
        `Any JSON value, nested at most ${JSON_MAX_DEPTH} levels, without U+0000 or lone surrogates in its strings; the flow reads it as \`this.input\``,
      ),
    is_productive: z.boolean().default(true).describe('false starts a dev-mode execution'),
    wait: z
      .number()
      .min(0)
      .max(MAX_WAIT_SECONDS)
      .default(0)
      .describe('Seconds to wait for the execution to end: 200 with the ended execution, else 202'),
  })
  .refine((body) => (body.flow === undefined) !== (body.flow_id === undefined), {
    message: 'give exactly one of `flow` (a name) or `flow_id`',
    path: ['flow'],
  });

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const startHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(IDEMPOTENCY_KEY, 'must be 1 to 255 printable ASCII characters without spaces (a UUID, say)')
    .optional()
    .describe(
      `Makes a retry safe: a request with a key this caller used in the last ${IDEMPOTENCY_KEY_HOURS} hours ` +
        'answers the execution the first one started (header `Idempotent-Replayed: true`) instead of ' +
        'starting another; with a different body it is refused with 422',
    ),
});

const REPLAYED = { 'idempotent-replayed': 'true' };

export const startExecutionEndpoint = defineEndpoint({
  method: 'POST',
  path: '/execution',
  tag: 'Executions',
  summary: 'Start an execution of a flow',
  body: startBody,
  headers: startHeaders,
  responses: {
    200: { description: 'The execution ended within `wait` seconds', schema: executionSchema },
    202: { description: 'The execution was started and has not ended yet', schema: executionSchema },
    422: { description: 'The Idempotency-Key was used before with a different request' },
  },
  async handler({ body, headers, principal }) {
    const engine = await getEngine();
    const request: StartExecutionRequest = {
      flow: body.flow !== undefined ? { name: body.flow } : { id: body.flow_id! },
      input: body.input_value ?? null,
      isProductive: body.is_productive,
      startedBy: principal.tokenId
        ? { kind: 'token', id: principal.tokenId }
        : { kind: 'user', id: principal.userId },
    };
    const key = headers['idempotency-key'];
    const idempotency = key === undefined ? undefined : idempotencyKeyOf(key, body, principal);
    if (body.wait === 0) {
      const { execution, replayed } = await begin(engine, request, idempotency);
      if (!replayed) return { status: 202, body: viewExecution(execution, []) }; // as created
      const view = await getExecutionView(engine.db, execution.id);
      return { status: isEnded(view.status) ? 200 : 202, body: view, headers: REPLAYED };
    }
    const deadline = Date.now() + body.wait * 1000;
    const started = await startHereOrQueue(engine, request, idempotency);
    const answerHeaders = started.replayed ? REPLAYED : undefined;
    const here = started.runningHere && (await untilDeadline(started.runningHere, deadline));
    if (here?.ended && isEnded(here.ended.status)) {
      const children = here.mayHaveChildren ? await getChildren(engine.db, here.ended.id) : [];
      return { status: 200, body: viewExecution(here.ended, children) };
    }
    const ended = await getExecutionWatcher().waitForEnd(started.id, Math.max(0, deadline - Date.now()));
    if (ended) {
      const children = await getChildren(engine.db, ended.id);
      return { status: 200, body: viewExecution(ended, children), headers: answerHeaders };
    }
    // Read after the deadline: an end that committed since the watcher's last look is answered as
    // ended too, so a 202 never carries an ended execution.
    const view = await getExecutionView(engine.db, started.id);
    return { status: isEnded(view.status) ? 200 : 202, body: view, headers: answerHeaders };
  },
});

/**
 * The key scoped to its caller (each token apart, a signed-in user apart from their tokens), and the
 * hash of what the request asks: its flow, input and mode. `wait` is left out: it changes how long the
 * answer takes, not what is started, and a client may well retry with another.
 */
function idempotencyKeyOf(
  key: string,
  body: z.infer<typeof startBody>,
  principal: ApiPrincipal,
): IdempotencyKey {
  return {
    principal: principal.tokenId ? `token:${principal.tokenId}` : `user:${principal.userId}`,
    key,
    requestHash: requestHash('POST /execution', {
      flow: body.flow,
      flow_id: body.flow_id,
      input_value: body.input_value ?? null,
      is_productive: body.is_productive,
    }),
  };
}

/** Start it, or with a key, start it once. */
async function begin(
  engine: EngineHandles,
  request: StartExecutionRequest,
  idempotency: IdempotencyKey | undefined,
): Promise<{ execution: Execution; replayed: boolean }> {
  if (idempotency) return startExecutionOnce(engine, request, idempotency);
  return { execution: await startExecution(engine, request), replayed: false };
}

/**
 * A request that waits for its execution runs it in this process's own worker when that has a free
 * slot (created already claimed, no queue hop: the same fast path synchronous children take), else on
 * the queue. Either way it is one execution row, started by the one start function. A replayed key's
 * execution was started before: it is waited for, not run.
 */
async function startHereOrQueue(
  engine: EngineHandles,
  request: StartExecutionRequest,
  idempotency: IdempotencyKey | undefined,
): Promise<{ id: string; replayed: boolean; runningHere?: ReturnType<LocalWorker['runReserved']> }> {
  const worker = localWorker();
  if (!worker?.reserveSlot()) {
    const { execution, replayed } = await begin(engine, request, idempotency);
    return { id: execution.id, replayed };
  }
  let started: { execution: Execution; replayed: boolean };
  try {
    started = await begin(
      engine,
      { ...request, mode: { kind: 'inline', workerId: worker.workerId, leaseMs: worker.leaseMs } },
      idempotency,
    );
  } catch (error) {
    worker.releaseSlot();
    throw error;
  }
  const { execution, replayed } = started;
  if (replayed) {
    worker.releaseSlot();
    return { id: execution.id, replayed };
  }
  return { id: execution.id, replayed, runningHere: worker.runReserved(execution) };
}

/** The run's result, or undefined once the deadline passes first (the run itself goes on). */
function untilDeadline<T>(run: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([run, late]).finally(() => clearTimeout(timer));
}

export const getExecutionEndpoint = defineEndpoint({
  method: 'GET',
  path: '/execution/{id}',
  tag: 'Executions',
  summary: 'Read one execution, with its direct children',
  params: idParams,
  responses: { 200: { description: 'The execution', schema: executionSchema } },
  async handler({ params }) {
    return { status: 200, body: await getExecutionView(getDb(), params.id) };
  },
});

const nodeSchema = z.object({
  node_id: z.string(),
  status: z.enum(['running', 'success', 'error', 'skipped', 'cancelled']),
  started_at: z.iso.datetime().nullable(),
  ended_at: z.iso.datetime().nullable(),
  attempts: z.number().int().describe('Attempts made (retries make more than one)'),
  child_id: z.uuid().nullable().describe("The child execution of the node's last attempt, if any"),
  output_value: z.unknown().describe("The node's output (its child's, for a node that started one)"),
  error: z.object({ name: z.string(), message: z.string(), childId: z.uuid().optional() }).nullable(),
});

export const executionNodesEndpoint = defineEndpoint({
  method: 'GET',
  path: '/execution/{id}/nodes',
  tag: 'Executions',
  summary: "A graph flow execution's nodes: how each ran, was skipped or failed",
  params: idParams,
  responses: {
    200: { description: 'Every node record, in the order the nodes started', schema: z.array(nodeSchema) },
  },
  async handler({ params }) {
    return { status: 200, body: await getExecutionNodesView(getDb(), params.id) };
  },
});

/** Repeated or comma-separated: `?status=RUNNING&status=WAITING` or `?status=RUNNING,WAITING`. */
function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) => (value === undefined ? undefined : [value].flat().flatMap((v) => String(v).split(','))),
    z.array(item).optional(),
  );
}

const listQuery = z.strictObject({
  flow: pgText().max(128).optional().describe('Only executions of the flow with this name'),
  status: listOf(z.enum(EXECUTION_STATUSES)).describe('One or more statuses'),
  type: listOf(z.enum(EXECUTION_TYPES)).describe('One or more execution types'),
  parent: z.uuid().optional().describe('Only the children of this execution'),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Only executions created at or after this time'),
  is_productive: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  // A string first: a repeated `limit` is an array, which z.coerce would turn into NaN.
  limit: z
    .string({ error: 'give `limit` once, as a whole number' })
    .regex(/^\d{1,3}$/, 'must be a whole number from 1 to 500')
    .transform(Number)
    .pipe(z.number().int().min(1).max(500))
    .default(50),
  cursor: z.string().max(200).optional().describe('`next_cursor` of the previous page'),
});

function encodeCursor(cursor: ExecutionCursor): string {
  return Buffer.from(`${cursor.createdAt}|${cursor.id}`).toString('base64url');
}

function decodeCursor(value: string): ExecutionCursor {
  const [createdAt, id] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const valid = cursorTime.safeParse(createdAt).success && z.uuid().safeParse(id).success;
  if (!valid || !createdAt || !id)
    throw new ApiError(
      400,
      'invalid_request',
      'query.cursor: not a cursor this API gave out',
      'query.cursor',
    );
  return { createdAt, id };
}

export const listExecutionsEndpoint = defineEndpoint({
  method: 'GET',
  path: '/execution',
  tag: 'Executions',
  summary: 'List executions, latest first, with filters and cursor pagination',
  query: listQuery,
  responses: {
    200: {
      description: 'One page',
      schema: z.object({ items: z.array(summarySchema), next_cursor: z.string().nullable() }),
    },
  },
  async handler({ query }) {
    const db = getDb();
    let flowId: string | undefined;
    if (query.flow !== undefined) {
      const flow = await findRunnableFlow(db, { name: query.flow });
      if (!flow) return { status: 200, body: { items: [], next_cursor: null } };
      flowId = flow.id;
    }
    const page = await listExecutionPage(
      db,
      {
        flowId,
        status: query.status,
        type: query.type,
        parentId: query.parent,
        since: query.since ? new Date(query.since) : undefined,
        isProductive: query.is_productive,
      },
      { limit: query.limit, after: query.cursor ? decodeCursor(query.cursor) : undefined },
    );
    return {
      status: 200,
      body: {
        items: page.items.map((execution) => viewExecution(execution, [])).map(stripDetail),
        next_cursor: page.next ? encodeCursor(page.next) : null,
      },
    };
  },
});

function stripDetail(view: ExecutionView) {
  return summarySchema.parse(view);
}

export const cancelExecutionEndpoint = defineEndpoint({
  method: 'POST',
  path: '/execution/{id}/cancel',
  tag: 'Executions',
  summary: 'Cancel an execution and its whole subtree',
  params: idParams,
  responses: { 200: { description: 'The execution after cancelling', schema: executionSchema } },
  async handler({ params }) {
    const engine = await getEngine();
    await getExecutionView(engine.db, params.id); // 404 for an unknown id
    await cancelExecution(engine, params.id);
    return { status: 200, body: await getExecutionView(engine.db, params.id) };
  },
});
