import { sql, type Selectable, type Transaction } from 'kysely';
import type { Db } from './db';
import type { Database, ScheduleTicksTable, TickOutcome } from './database';
import type { Conn } from './executions';

/** How long a handled tick stays recorded: the Schedules page's history, and more than any redelivery. */
export const TICK_RETENTION_DAYS = 7;

export type ArmableSchedule = {
  id: string;
  cron: string;
  timezone: string;
  generation: number;
  armed_generation: number | null;
  next_fire_at: Date | null;
};

/**
 * Schedules the clock must send a tick job for, locked for this transaction (another clock skips them):
 * enabled ones not armed for their generation, and armed ones whose tick is `staleMs` overdue (its job
 * was lost: pg-boss gave up retrying, or its retention ran out while everything was down).
 */
export async function lockArmableSchedules(
  trx: Transaction<Database>,
  staleMs: number,
): Promise<ArmableSchedule[]> {
  const result = await sql<ArmableSchedule>`
    select id, cron, timezone, generation, armed_generation, next_fire_at from schedules
     where enabled
       and (armed_generation is distinct from generation
            or next_fire_at < now() - ${staleMs} * interval '1 millisecond')
     for update skip locked`.execute(trx);
  return result.rows;
}

export async function setArmed(
  trx: Transaction<Database>,
  id: string,
  generation: number,
  nextFireAt: Date | null,
): Promise<void> {
  await trx
    .updateTable('schedules')
    .set({ armed_generation: generation, next_fire_at: nextFireAt })
    .where('id', '=', id)
    .execute();
}

/** A schedule with its flow's name: what the clock and the pages read. */
export type ScheduleWithFlow = {
  id: string;
  flow_id: string;
  flow_name: string;
  node_id: string;
  cron: string;
  timezone: string;
  overlap: 'skip' | 'allow';
  catch_up: 'none' | 'last';
  enabled: boolean;
  generation: number;
  next_fire_at: Date | null;
};

function schedulesWithFlow(conn: Conn) {
  return conn
    .selectFrom('schedules')
    .innerJoin('flows', 'flows.id', 'schedules.flow_id')
    .select([
      'schedules.id',
      'schedules.flow_id',
      'flows.name as flow_name',
      'schedules.node_id',
      'schedules.cron',
      'schedules.timezone',
      'schedules.overlap',
      'schedules.catch_up',
      'schedules.enabled',
      'schedules.generation',
      'schedules.next_fire_at',
    ]);
}

/** The schedule and its flow's name, locked: ticks of one schedule are handled one at a time. */
export async function lockSchedule(
  trx: Transaction<Database>,
  id: string,
): Promise<ScheduleWithFlow | undefined> {
  return schedulesWithFlow(trx).where('schedules.id', '=', id).forUpdate('schedules').executeTakeFirst();
}

export async function setNextFireAt(trx: Transaction<Database>, id: string, at: Date | null): Promise<void> {
  await trx.updateTable('schedules').set({ next_fire_at: at }).where('id', '=', id).execute();
}

/**
 * Records that the tick at `fireAt` was handled. False when it was already: the one place that decides
 * a tick happens once, whichever job, clock or retry delivers it.
 */
export async function recordTick(
  trx: Transaction<Database>,
  tick: { scheduleId: string; fireAt: Date; outcome: TickOutcome; reason?: string },
): Promise<boolean> {
  const row = await trx
    .insertInto('schedule_ticks')
    .values({
      schedule_id: tick.scheduleId,
      fire_at: tick.fireAt,
      outcome: tick.outcome,
      reason: tick.reason ?? null,
    })
    .onConflict((conflict) => conflict.columns(['schedule_id', 'fire_at']).doNothing())
    .returning('fire_at')
    .executeTakeFirst();
  return row !== undefined;
}

export async function setTickOutcome(
  trx: Transaction<Database>,
  tick: {
    scheduleId: string;
    fireAt: Date;
    outcome: TickOutcome;
    reason?: string;
    executionId?: string;
    flowExecutionId?: string;
  },
): Promise<void> {
  await trx
    .updateTable('schedule_ticks')
    .set({
      outcome: tick.outcome,
      reason: tick.reason ?? null,
      execution_id: tick.executionId ?? null,
      flow_execution_id: tick.flowExecutionId ?? null,
    })
    .where('schedule_id', '=', tick.scheduleId)
    .where('fire_at', '=', tick.fireAt)
    .execute();
}

/**
 * The run of the schedule's last started tick while it has not ended, else undefined. Only the last:
 * with `skip` no two run at once, so no older one can still be going (unless the policy was `allow`
 * until just now, which is then allowed to finish alongside).
 */
export async function runningTick(
  trx: Transaction<Database>,
  scheduleId: string,
): Promise<{ fire_at: Date; flow_execution_id: string } | undefined> {
  const last = await trx
    .selectFrom('schedule_ticks')
    .innerJoin('executions', 'executions.id', 'schedule_ticks.flow_execution_id')
    .select(['schedule_ticks.fire_at', 'schedule_ticks.flow_execution_id', 'executions.status'])
    .where('schedule_ticks.schedule_id', '=', scheduleId)
    .where('schedule_ticks.outcome', '=', 'started')
    .orderBy('schedule_ticks.fire_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!last?.flow_execution_id) return undefined;
  if (['ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED'].includes(last.status)) return undefined;
  return { fire_at: last.fire_at, flow_execution_id: last.flow_execution_id };
}

export async function pruneTicks(db: Db): Promise<void> {
  await sql`delete from schedule_ticks where recorded_at < now() - ${TICK_RETENTION_DAYS} * interval '1 day'`.execute(
    db,
  );
}

/** Every schedule (or one flow's) with its flow, for the Schedules page and the inspector. */
export async function listSchedules(db: Db, where: { flowName?: string } = {}): Promise<ScheduleWithFlow[]> {
  let query = schedulesWithFlow(db)
    .orderBy(sql`lower(flows.name)`)
    .orderBy('schedules.node_id');
  if (where.flowName !== undefined) query = query.where('flows.name', '=', where.flowName);
  return query.execute();
}

export type TickRecord = Omit<Selectable<ScheduleTicksTable>, 'recorded_at'> & {
  /** The run's status (started ticks whose execution still exists). */
  status: string | null;
};

/** The last `perSchedule` ticks of each of the schedules, newest first. */
export async function lastTicks(db: Db, scheduleIds: string[], perSchedule: number): Promise<TickRecord[]> {
  if (scheduleIds.length === 0) return [];
  const result = await sql<TickRecord>`
    select t.schedule_id, t.fire_at, t.outcome, t.reason, t.execution_id, t.flow_execution_id, e.status
      from unnest(${sql.val(scheduleIds)}::uuid[]) as s(id)
      cross join lateral (
        select * from schedule_ticks where schedule_id = s.id order by fire_at desc limit ${perSchedule}
      ) t
      left join executions e on e.id = t.flow_execution_id
     order by t.schedule_id, t.fire_at desc`.execute(db);
  return result.rows;
}
