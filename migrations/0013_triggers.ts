import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const ENDED = `('ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED')`;

/** The trigger that ends a trigger's parent row with its child, for children started by these kinds. */
function endParentTrigger(name: string, startedBy: string[]): string {
  const kinds = startedBy.map((kind) => `'${kind}'`).join(', ');
  return `
    create trigger ${name}
    after update of status on executions
    for each row
    when (new.parent_id is not null and new.started_by->>'kind' in (${kinds})
      and new.status in ${ENDED} and old.status not in ${ENDED})
    execute function flowline_end_webhook_parent()`;
}

/**
 * Triggers as tables (docs/triggers.md), written in the same transaction as the flow version that holds
 * them (engine/store/triggers.ts):
 *
 * - `webhooks`: one row per webhook node of a graph flow's current version, its name the primary key. Two
 *   flows can no longer both take a name, however their saves interleave, and a call finds its webhook by
 *   an index probe.
 * - `schedules`: one row per schedule node of a current version. `generation` counts changes of its
 *   timing (cron, zone, enabled, catch-up); `armed_generation` is the generation a tick job was last sent
 *   for, and `next_fire_at` the tick that job is for. The schedule clock (engine/schedules/clock.ts) arms
 *   a schedule whose generation is not armed yet.
 * - `schedule_ticks`: one row per tick that was handled, whatever became of it (`started` a run,
 *   `skipped` because the last one was still going, `missed` while nothing ran). Its primary key
 *   (schedule, fire time) is what makes a tick run at most once, whatever delivers it how often.
 *
 * A SCHEDULE execution mirrors its FLOW child the way a WEBHOOK execution does (0012): the trigger that
 * ends the parent now covers both.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('flows.id').onDelete('cascade'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhooks_flow_id').on('webhooks').column('flow_id').execute();
  await sql`
    insert into webhooks (name, flow_id, node_id)
    select node->'params'->>'name', f.id, node->>'id'
      from flows f, jsonb_path_query(f.graph, '$.nodes[*] ? (@.type == "webhook")') as node
     where f.kind = 'graph'
    on conflict (name) do nothing`.execute(db);

  await db.schema
    .createTable('schedules')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('flow_id', 'uuid', (c) => c.notNull().references('flows.id').onDelete('cascade'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('overlap', 'text', (c) => c.notNull().check(sql`overlap in ('skip', 'allow')`))
    .addColumn('catch_up', 'text', (c) => c.notNull().check(sql`catch_up in ('none', 'last')`))
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('armed_generation', 'integer')
    .addColumn('next_fire_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('schedules_flow_node', ['flow_id', 'node_id'])
    .execute();
  // The clock's arming pass looks only at enabled schedules not armed for their generation.
  await sql`create index schedules_unarmed on schedules (id)
            where enabled and armed_generation is distinct from generation`.execute(db);
  await sql`
    insert into schedules (flow_id, node_id, cron, timezone, overlap, catch_up, enabled)
    select f.id, node->>'id', node->'params'->>'cron', coalesce(node->'params'->>'timezone', 'UTC'),
           coalesce(node->'params'->>'overlap', 'skip'), coalesce(node->'params'->>'catch_up', 'none'),
           coalesce((node->'params'->>'enabled')::boolean, false)
      from flows f, jsonb_path_query(f.graph, '$.nodes[*] ? (@.type == "schedule")') as node
     where f.kind = 'graph'`.execute(db);

  await db.schema
    .createTable('schedule_ticks')
    .addColumn('schedule_id', 'uuid', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('fire_at', 'timestamptz', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('started', 'skipped', 'missed')`))
    .addColumn('reason', 'text')
    .addColumn('execution_id', 'uuid', (c) => c.references('executions.id').onDelete('set null'))
    .addColumn('flow_execution_id', 'uuid', (c) => c.references('executions.id').onDelete('set null'))
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('schedule_ticks_pkey', ['schedule_id', 'fire_at'])
    .execute();
  // Old records are pruned by age (engine/store/schedules.ts pruneTicks).
  await db.schema.createIndex('schedule_ticks_recorded').on('schedule_ticks').column('recorded_at').execute();

  // A trigger's last calls or ticks (Webhooks and Schedules pages): only trigger rows are indexed.
  await sql`create index executions_trigger_idx on executions ((started_by->>'id'), created_at desc)
            where type in ('WEBHOOK', 'SCHEDULE')`.execute(db);

  await sql`
    create or replace function flowline_end_webhook_parent() returns trigger language plpgsql as $$
    begin
      update executions p set status = new.status, ended_at = coalesce(new.ended_at, now()),
        output = new.output, message = new.message, error = new.error, response = new.response
      where p.id = new.parent_id and p.type in ('WEBHOOK', 'SCHEDULE')
        and p.status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED');
      return null;
    end $$`.execute(db);
  await sql`drop trigger executions_end_webhook_parent on executions`.execute(db);
  await sql.raw(endParentTrigger('executions_end_trigger_parent', ['webhook', 'schedule'])).execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop trigger if exists executions_end_trigger_parent on executions`.execute(db);
  await sql`drop index if exists executions_trigger_idx`.execute(db);
  await sql.raw(endParentTrigger('executions_end_webhook_parent', ['webhook'])).execute(db);
  await db.schema.dropTable('schedule_ticks').ifExists().execute();
  await db.schema.dropTable('schedules').ifExists().execute();
  await db.schema.dropTable('webhooks').ifExists().execute();
}
