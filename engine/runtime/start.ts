import { sql, type InsertObject, type Transaction } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { engineLimits } from '../config';
import { announceAfterCommit, statusEvent } from '../events/events';
import { sendExecutionJob, sendExecutionJobs } from '../queue/boss';
import type { Db } from '../store/db';
import type { Database, Execution, ExecutionType, StartedBy } from '../store/database';
import {
  getExecution,
  holdFence,
  insertChildWithStep,
  insertExecution,
  insertExecutions,
  mapFenceErrors,
  QUEUE_DEADLINE_MS,
  type Fence,
} from '../store/executions';
import { findRunnableFlow, type RunnableFlow } from '../store/flow-versions';
import { claimIdempotencyKey, type IdempotencyKey } from '../store/idempotency';
import { FlowNotFoundError, flowNotFoundMessage } from '../store/flows';
import { recordSteps, type NewStep } from '../store/steps';
import { checkInputJson } from './limits';
import { snapshotOf } from './snapshot';

export type EngineHandles = { db: Db; boss: PgBoss };

export type StartMode =
  /** A job on the queue: any worker runs it (the default). */
  | { kind: 'queue' }
  /** Created already claimed by this worker, which runs it at once in-process (synchronous children). */
  | { kind: 'inline'; workerId: string; leaseMs: number }
  /** Created but not started (`{ run: false }`): handle.run() / runAsync() starts it later. */
  | { kind: 'created' };

export type StartExecutionRequest = {
  type?: ExecutionType;
  /** The flow to run (FLOW, WEBHOOK and SCHEDULE executions). */
  flow?: { name: string } | { id: string };
  /** The flow already looked up (undefined: it does not exist); skips the lookup. */
  resolvedFlow?: RunnableFlow | undefined;
  /** Defaults to the flow's name. */
  name?: string;
  input?: unknown;
  /** false = dev mode. Children always inherit their parent's mode. Default true. */
  isProductive?: boolean;
  startedBy: StartedBy;
  nodeId?: string | null;
  parent?: {
    id: string;
    rootId: string;
    /** The parent's depth in its tree: the child is one deeper. */
    depth: number;
    isProductive: boolean;
    /** The parent's run: the child and its step are written only while that run owns the parent. */
    fence: Fence;
    /** The parent's journal step that creates this child, recorded in the same transaction. */
    step?: {
      seq: number;
      kind: string;
      request: unknown;
      requestHash: string;
      status: 'STARTED' | 'SUCCEEDED';
    };
  };
  /** SCRIPT: the compiled script; CONNECTION: the sealed connector call. */
  code?: unknown;
  timeoutSeconds?: number;
  mode?: StartMode;
};

/**
 * Creates an execution: THE way every execution comes to be (UI, REST, webhooks, schedules, parents).
 * The row, the parent's journal step and the queue job are written in one transaction, and idle
 * workers are woken by a NOTIFY that PostgreSQL sends when it commits. An input over
 * FLOWLINE_MAX_INPUT_BYTES is refused (InputTooLargeError) before anything is written.
 */
export async function startExecution(
  engine: EngineHandles,
  request: StartExecutionRequest,
): Promise<Execution> {
  return (await start(engine, request)).execution;
}

/**
 * startExecution for a request a client may send again (a retry after a timeout or a restart): the
 * first request with the caller's key starts the execution, a later one with the same key and the same
 * request gets that execution back (`replayed`), a later one with the same key and another request is
 * refused (IdempotencyKeyReusedError). Top-level executions only: children are made once by their
 * parent's journal.
 */
export async function startExecutionOnce(
  engine: EngineHandles,
  request: StartExecutionRequest,
  idempotency: IdempotencyKey,
): Promise<{ execution: Execution; replayed: boolean }> {
  if (request.parent) throw new Error('startExecutionOnce: a child is started once by its parent');
  return start(engine, request, idempotency);
}

async function start(
  engine: EngineHandles,
  request: StartExecutionRequest,
  idempotency?: IdempotencyKey,
): Promise<{ execution: Execution; replayed: boolean }> {
  const flow = await flowFor(engine, request);
  const mode = request.mode ?? { kind: 'queue' };
  const parent = request.parent;
  const newRow = rowFor(request, flow, crypto.randomUUID());

  if (mode.kind === 'inline' && parent?.step?.status === 'STARTED') {
    // A synchronous child: no job to queue, so one statement does it all.
    const execution = await insertChildWithStep(engine.db, newRow, {
      fence: parent.fence,
      seq: parent.step.seq,
      kind: parent.step.kind,
      request: parent.step.request,
      requestHash: parent.step.requestHash,
    });
    announceAfterCommit(engine.db, statusEvent(execution));
    return { execution, replayed: false };
  }

  const written = await mapFenceErrors(() =>
    engine.db.transaction().execute(async (trx) => {
      // The key first: a concurrent request with the same key waits on it before writing anything.
      const earlier = idempotency && (await claimIdempotencyKey(trx, idempotency, newRow.id));
      if (earlier) {
        const execution = await getExecution(trx, earlier.earlierExecutionId);
        if (!execution)
          throw new Error(`startExecution: the key's execution ${earlier.earlierExecutionId} is gone`);
        return { execution, replayed: true };
      }
      if (parent) await holdFence(trx, parent.fence);
      const row = await insertExecution(trx, newRow);
      if (parent?.step) await recordSteps(trx, parent.fence, [parentStep(parent.step, row)]);
      if (mode.kind === 'queue') await sendExecutionJob(engine.boss, trx, row.id);
      return { execution: row, replayed: false };
    }),
  );
  // After the commit: idle workers wake up and fetch it (see announceAfterCommit for why not before).
  if (!written.replayed)
    announceAfterCommit(engine.db, statusEvent(written.execution), mode.kind === 'queue');
  return written;
}

/** A trigger firing: a webhook call or a schedule's tick, and the flow it starts. */
export type TriggerFiring = {
  kind: 'webhook' | 'schedule';
  /** The webhook's name, or the schedule's id. */
  triggerId: string;
  /** The parent execution's name. */
  name: string;
  flow: RunnableFlow;
  /** The trigger node that fired. */
  nodeId: string;
  input: unknown;
  isProductive: boolean;
  mode?: StartMode;
};

/**
 * A trigger's run (docs/triggers.md): a WEBHOOK or SCHEDULE execution and its FLOW child, written in the
 * caller's transaction (announce them after it commits: announceTriggeredFlow). The parent row runs
 * nothing (no worker, no job, no deadline): it is there so that the call or tick is one tree, and it ends
 * when its child ends, with the child's status and results (migration 0013's trigger). The child names
 * the trigger node that fired (`node_id`, started_by webhook/schedule): the graph runtime passes the
 * input on from that trigger only. `mode` inline: the child is created claimed by this process's worker.
 */
export async function writeTriggeredFlow(
  trx: Transaction<Database>,
  boss: PgBoss,
  firing: TriggerFiring,
): Promise<{ parent: Execution; flow: Execution }> {
  const mode = firing.mode ?? { kind: 'queue' };
  if (mode.kind === 'created') throw new Error('writeTriggeredFlow: a trigger starts its flow');
  const startedBy: StartedBy = { kind: firing.kind, id: firing.triggerId };
  const parentId = crypto.randomUUID();
  const parentRow: InsertObject<Database, 'executions'> & { id: string } = {
    ...rowFor(
      {
        type: firing.kind === 'webhook' ? 'WEBHOOK' : 'SCHEDULE',
        name: firing.name,
        input: firing.input,
        isProductive: firing.isProductive,
        startedBy,
      },
      firing.flow,
      parentId,
    ),
    node_id: firing.nodeId,
    status: 'RUNNING',
    started_at: sql<Date>`now()`,
    lease_until: null,
  };
  const childRow = {
    ...rowFor(
      {
        flow: { id: firing.flow.id },
        input: firing.input,
        startedBy,
        nodeId: firing.nodeId,
        mode,
        parent: {
          id: parentId,
          rootId: parentId,
          depth: 0,
          isProductive: firing.isProductive,
          fence: { executionId: parentId, attempt: 0 },
        },
      },
      firing.flow,
      crypto.randomUUID(),
    ),
    started_by: startedBy,
  };
  const rows = await insertExecutions(trx, [parentRow, childRow]);
  const parent = rows.find((row) => row.id === parentRow.id);
  const flow = rows.find((row) => row.id === childRow.id);
  if (!parent || !flow) throw new Error('writeTriggeredFlow: the rows were not written');
  if (mode.kind === 'queue') await sendExecutionJob(boss, trx, flow.id);
  return { parent, flow };
}

/** Live views learn of a trigger's run, and (queued) idle workers wake: after its transaction committed. */
export function announceTriggeredFlow(
  db: Db,
  written: { parent: Execution; flow: Execution },
  queued: boolean,
): void {
  announceAfterCommit(db, [statusEvent(written.parent), statusEvent(written.flow)], queued);
}

/** A webhook call's WEBHOOK execution and FLOW child, in a transaction of their own. */
export async function startWebhookCall(
  engine: EngineHandles,
  call: Omit<TriggerFiring, 'kind' | 'triggerId' | 'name'> & { webhook: string },
): Promise<{ webhook: Execution; flow: Execution }> {
  const { webhook, ...rest } = call;
  const firing: TriggerFiring = { ...rest, kind: 'webhook', triggerId: webhook, name: webhook };
  const written = await engine.db
    .transaction()
    .execute((trx) => writeTriggeredFlow(trx, engine.boss, firing));
  announceTriggeredFlow(engine.db, written, (call.mode ?? { kind: 'queue' }).kind === 'queue');
  return { webhook: written.parent, flow: written.flow };
}

/**
 * Many children of one parent at once (`{ wait: false }` / `{ run: false }` children, which the flow API
 * collects while user code keeps going): the same rows, journal steps and jobs as startExecution, in
 * one transaction. Each request carries its id, already handed to user code.
 */
export async function startExecutions(
  engine: EngineHandles,
  requests: Array<StartExecutionRequest & { id: string }>,
): Promise<void> {
  if (requests.length === 0) return;
  const rows = await Promise.all(
    requests.map(async (request) => {
      if (request.mode?.kind === 'inline')
        throw new Error('startExecutions: inline children start one by one');
      return rowFor(request, await flowFor(engine, request), request.id);
    }),
  );
  const fence = requests[0]?.parent?.fence;
  if (!fence || requests.some((request) => request.parent?.fence !== fence)) {
    throw new Error('startExecutions: a batch is the children of one parent run');
  }
  const written = await mapFenceErrors(() =>
    engine.db.transaction().execute(async (trx) => {
      await holdFence(trx, fence);
      const executions = await insertExecutions(trx, rows);
      const byId = new Map(executions.map((execution) => [execution.id, execution]));
      const steps = requests.flatMap((request) =>
        request.parent?.step ? [parentStep(request.parent.step, byId.get(request.id) as Execution)] : [],
      );
      await recordSteps(trx, fence, steps);
      const queued = requests.filter((request) => (request.mode ?? { kind: 'queue' }).kind === 'queue');
      await sendExecutionJobs(
        engine.boss,
        trx,
        queued.map((request) => request.id),
      );
      return { executions, wake: queued.length > 0 };
    }),
  );
  announceAfterCommit(engine.db, written.executions.map(statusEvent), written.wake);
}

/** The parent's journal step for a child just written: an asynchronous child's step is done at once. */
function parentStep(
  step: NonNullable<NonNullable<StartExecutionRequest['parent']>['step']>,
  child: Execution,
): NewStep {
  return {
    seq: step.seq,
    kind: step.kind,
    request: step.request,
    requestHash: step.requestHash,
    status: step.status,
    childId: child.id,
    result: step.status === 'SUCCEEDED' ? snapshotOf(child) : undefined,
  };
}

async function flowFor(
  engine: EngineHandles,
  request: StartExecutionRequest,
): Promise<RunnableFlow | undefined> {
  const type = request.type ?? 'FLOW';
  if (!request.flow) {
    if (type === 'FLOW') throw new Error('startExecution: a FLOW execution needs a flow');
    return undefined;
  }
  const flow =
    'resolvedFlow' in request ? request.resolvedFlow : await findRunnableFlow(engine.db, request.flow);
  if (!flow) {
    throw new FlowNotFoundError(
      'name' in request.flow
        ? await flowNotFoundMessage(engine.db, request.flow.name)
        : `no flow has the id '${request.flow.id}'`,
    );
  }
  return flow;
}

function rowFor(
  request: StartExecutionRequest,
  flow: RunnableFlow | undefined,
  id: string,
): InsertObject<Database, 'executions'> & { id: string } {
  const type = request.type ?? 'FLOW';
  const mode = request.mode ?? { kind: 'queue' };
  const parent = request.parent;
  const inline = mode.kind === 'inline';
  const input = JSON.stringify(request.input ?? null);
  checkInputJson(input, engineLimits().maxInputBytes);
  return {
    id,
    type,
    name: request.name ?? flow?.name ?? type.toLowerCase(),
    flow_id: flow?.id ?? null,
    flow_version: flow?.version ?? null,
    parent_id: parent?.id ?? null,
    root_id: parent?.rootId ?? id,
    depth: parent ? parent.depth + 1 : 0,
    node_id: request.nodeId ?? null,
    status: inline ? 'RUNNING' : 'PENDING',
    is_productive: parent ? parent.isProductive : (request.isProductive ?? true),
    input,
    code: request.code === undefined ? null : JSON.stringify(request.code),
    timeout_seconds: request.timeoutSeconds ?? flow?.timeout_seconds ?? 3600,
    started_by: parent ? { kind: 'parent', id: parent.id } : request.startedBy,
    ...(mode.kind === 'inline'
      ? {
          worker_id: mode.workerId,
          lease_until: sql<Date>`now() + ${mode.leaseMs} * interval '1 millisecond'`,
          started_at: sql<Date>`now()`,
          attempts: 1,
        }
      : {}),
    // Queued: the deadline by which a worker must have claimed it, else the sweep queues it again.
    ...(mode.kind === 'queue'
      ? { lease_until: sql<Date>`now() + ${QUEUE_DEADLINE_MS} * interval '1 millisecond'` }
      : {}),
  };
}
