import { sql } from 'kysely';
import type { ExecutionStep, StepStatus } from './database';
import type { Conn } from './executions';

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
  executionId: string;
  seq: number;
  kind: string;
  request: unknown;
  status: StepStatus;
  result?: unknown;
  childId?: string | null;
};

/**
 * Records a step. A step already recorded under the same (execution, seq) wins: the insert does
 * nothing and the caller gets `false` (a second run of the same execution got there first).
 */
export async function recordStep(conn: Conn, step: NewStep): Promise<boolean> {
  const ended = step.status !== 'STARTED';
  const result = await conn
    .insertInto('execution_steps')
    .values({
      execution_id: step.executionId,
      seq: step.seq,
      kind: step.kind,
      request: JSON.stringify(step.request ?? null),
      result: step.result === undefined ? null : JSON.stringify(step.result),
      status: step.status,
      child_id: step.childId ?? null,
      ended_at: ended ? sql<Date>`now()` : null,
    })
    .onConflict((oc) => oc.columns(['execution_id', 'seq']).doNothing())
    .executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Records several steps at once; returns how many were new (see recordStep). */
export async function recordSteps(conn: Conn, steps: readonly NewStep[]): Promise<number> {
  if (steps.length === 0) return 0;
  const result = await conn
    .insertInto('execution_steps')
    .values(
      steps.map((step) => ({
        execution_id: step.executionId,
        seq: step.seq,
        kind: step.kind,
        request: JSON.stringify(step.request ?? null),
        result: step.result === undefined ? null : JSON.stringify(step.result),
        status: step.status,
        child_id: step.childId ?? null,
        ended_at: step.status !== 'STARTED' ? sql<Date>`now()` : null,
      })),
    )
    .onConflict((oc) => oc.columns(['execution_id', 'seq']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

/** Completes a STARTED step with its result (or its error, status FAILED). */
export async function completeStep(
  conn: Conn,
  executionId: string,
  seq: number,
  status: 'SUCCEEDED' | 'FAILED',
  result: unknown,
): Promise<void> {
  await conn
    .updateTable('execution_steps')
    .set({ status, result: JSON.stringify(result ?? null), ended_at: sql<Date>`now()` })
    .where('execution_id', '=', executionId)
    .where('seq', '=', seq)
    .where('status', '=', 'STARTED')
    .execute();
}

export async function countSteps(conn: Conn, executionId: string): Promise<number> {
  const row = await conn
    .selectFrom('execution_steps')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('execution_id', '=', executionId)
    .executeTakeFirstOrThrow();
  return row.count;
}
