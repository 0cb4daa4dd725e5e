import { sql } from 'kysely';
import type { PgBoss } from 'pg-boss';
import { announce, statusEvent } from '../events/events';
import { sendExecutionJob } from '../queue/boss';
import type { Db } from '../store/db';
import type { Execution, ExecutionType, StartedBy } from '../store/database';
import { insertExecution } from '../store/executions';
import { findRunnableFlow, type RunnableFlow } from '../store/flow-versions';
import { FlowNotFoundError } from '../store/flows';
import { recordStep } from '../store/steps';
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
    isProductive: boolean;
    /** The parent's journal step that creates this child, recorded in the same transaction. */
    step?: { seq: number; kind: string; request: unknown; status: 'STARTED' | 'SUCCEEDED' };
  };
  /** SCRIPT: the compiled script; CONNECTION: the sealed connector call. */
  code?: unknown;
  timeoutSeconds?: number;
  mode?: StartMode;
};

/** The journal step was recorded by another run of the parent first: this run must stop. */
export class StepAlreadyRecordedError extends Error {
  override name = 'StepAlreadyRecordedError';
}

/**
 * Creates an execution: THE way every execution comes to be (UI, REST, webhooks, schedules, parents).
 * The row, the parent's journal step and the queue job are written in one transaction, and idle
 * workers are woken by a NOTIFY that PostgreSQL sends when it commits.
 */
export async function startExecution(
  engine: EngineHandles,
  request: StartExecutionRequest,
): Promise<Execution> {
  const type = request.type ?? 'FLOW';
  let flow: RunnableFlow | undefined;
  if (request.flow) {
    flow = 'resolvedFlow' in request ? request.resolvedFlow : await findRunnableFlow(engine.db, request.flow);
    if (!flow) {
      throw new FlowNotFoundError(
        'name' in request.flow
          ? `flow '${request.flow.name}' does not exist`
          : `no flow has the id '${request.flow.id}'`,
      );
    }
  } else if (type === 'FLOW') {
    throw new Error('startExecution: a FLOW execution needs a flow');
  }
  const mode = request.mode ?? { kind: 'queue' };
  const parent = request.parent;

  return engine.db.transaction().execute(async (trx) => {
    const id = crypto.randomUUID();
    const inline = mode.kind === 'inline';
    const execution = await insertExecution(trx, {
      id,
      type,
      name: request.name ?? flow?.name ?? type.toLowerCase(),
      flow_id: flow?.id ?? null,
      flow_version: flow?.version ?? null,
      parent_id: parent?.id ?? null,
      root_id: parent?.rootId ?? id,
      node_id: request.nodeId ?? null,
      status: inline ? 'RUNNING' : 'PENDING',
      is_productive: parent ? parent.isProductive : (request.isProductive ?? true),
      input: JSON.stringify(request.input ?? null),
      code: request.code === undefined ? null : JSON.stringify(request.code),
      timeout_seconds: request.timeoutSeconds ?? flow?.timeout_seconds ?? 3600,
      started_by: parent ? { kind: 'parent', id: parent.id } : request.startedBy,
      ...(inline
        ? {
            worker_id: mode.workerId,
            lease_until: sql<Date>`now() + ${mode.leaseMs} * interval '1 millisecond'`,
            started_at: sql<Date>`now()`,
            attempts: 1,
          }
        : {}),
    });
    if (parent?.step) {
      const recorded = await recordStep(trx, {
        executionId: parent.id,
        seq: parent.step.seq,
        kind: parent.step.kind,
        request: parent.step.request,
        status: parent.step.status,
        childId: id,
        result: parent.step.status === 'SUCCEEDED' ? snapshotOf(execution) : undefined,
      });
      if (!recorded)
        throw new StepAlreadyRecordedError(`step ${parent.step.seq} of ${parent.id} is recorded`);
    }
    if (mode.kind === 'queue') await sendExecutionJob(engine.boss, trx, id);
    await announce(trx, statusEvent(execution), mode.kind === 'queue');
    return execution;
  });
}
