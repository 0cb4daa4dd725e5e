import { sql } from 'kysely';
import type { ExecutionStep, StepStatus } from './database';
import { fenceHolds, StepAlreadyRecordedError, type Conn, type Fence } from './executions';

/** The journal of one execution, by sequence number. */
export async function loadJournal(conn: Conn, executionId: string): Promise<Map<number, ExecutionStep>> {
  const rows = await conn
    .selectFrom('execution_steps')
    .selectAll()
    .where('execution_id', '=', executionId)
    .orderBy('seq')
    .execute();
  return new Map(rows.map((row) => [row.seq, row]));
}

export type NewStep = {
  seq: number;
  kind: string;
  request: unknown;
  requestHash: string;
  status: StepStatus;
  result?: unknown;
  childId?: string | null;
};

function stepRow(fence: Fence, step: NewStep) {
  return {
    execution_id: fence.executionId,
    seq: step.seq,
    kind: step.kind,
    request: JSON.stringify(step.request ?? null),
    request_hash: step.requestHash,
    result: step.result === undefined ? null : JSON.stringify(step.result),
    status: step.status,
    child_id: step.childId ?? null,
    ended_at: step.status !== 'STARTED' ? sql<Date>`now()` : null,
  };
}

/**
 * Records a step of the fenced run (first writer wins: a step already recorded under the same
 * (execution, seq) is StepAlreadyRecordedError; a refused fence StaleRunError, see mapFenceErrors).
 * Returns when it was recorded, the time a replay's clock reads after this step.
 */
export async function recordStep(conn: Conn, fence: Fence, step: NewStep): Promise<Date> {
  const result = step.result === undefined ? null : JSON.stringify(step.result);
  const rows = await sql<{ at: Date }>`
    insert into execution_steps (execution_id, seq, kind, request, request_hash, result, status, child_id, ended_at)
    select ${fence.executionId}::uuid, ${step.seq}::int, ${step.kind}::text,
      ${JSON.stringify(step.request ?? null)}::jsonb, ${step.requestHash}::text, ${result}::jsonb,
      ${step.status}::text, ${step.childId ?? null}::uuid,
      case when ${step.status}::text = 'STARTED' then null else now() end
    where ${fenceHolds(fence)}
    on conflict (execution_id, seq) do nothing
    returning coalesce(ended_at, created_at) as at`.execute(conn);
  const recorded = rows.rows[0];
  if (!recorded) throw new StepAlreadyRecordedError(`step ${step.seq} of ${fence.executionId} is recorded`);
  return recorded.at;
}

/**
 * Records several steps at once, inside the caller's transaction, which must hold the fence
 * (holdFence). StepAlreadyRecordedError when any of them was recorded before.
 */
export async function recordSteps(conn: Conn, fence: Fence, steps: readonly NewStep[]): Promise<void> {
  if (steps.length === 0) return;
  const result = await conn
    .insertInto('execution_steps')
    .values(steps.map((step) => stepRow(fence, step)))
    .onConflict((oc) => oc.columns(['execution_id', 'seq']).doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0n) < steps.length) {
    throw new StepAlreadyRecordedError(`a step of this batch of ${fence.executionId} was recorded before`);
  }
}

/**
 * Completes a STARTED step of the fenced run with its result (or its error, status FAILED); returns when.
 * A step no longer STARTED was completed by another run first: StepAlreadyRecordedError.
 */
export async function completeStep(
  conn: Conn,
  fence: Fence,
  seq: number,
  status: 'SUCCEEDED' | 'FAILED',
  result: unknown,
): Promise<Date> {
  const row = await conn
    .updateTable('execution_steps')
    .set({ status, result: JSON.stringify(result ?? null), ended_at: sql<Date>`now()` })
    .where('execution_id', '=', fence.executionId)
    .where('seq', '=', seq)
    .where('status', '=', 'STARTED')
    .where(fenceHolds(fence))
    .returning('ended_at')
    .executeTakeFirst();
  if (!row?.ended_at) throw new StepAlreadyRecordedError(`step ${seq} of ${fence.executionId} is completed`);
  return row.ended_at;
}
