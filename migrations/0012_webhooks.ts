import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Webhook calls (docs/triggers.md):
 *
 * - `executions.response`: the HTTP answer a flow sets with `this.respond(...)` (or its `end` node's
 *   `response`), `{ status, headers, body }`. A column of its own, not a reserved key of `output`: the
 *   output stays exactly what the flow saved.
 * - A WEBHOOK execution mirrors its FLOW child: when the child ends, the WEBHOOK row ends with the same
 *   status, output, message and error, in the child's own ending statement (a trigger). The WEBHOOK row
 *   has no worker and no code; the engine has no other way to end a parent that runs nothing, and doing it
 *   here means it ends whichever way the child ends (in any worker, cancelled, timed out), even when
 *   nobody waits for the HTTP answer any more (async calls, 504s). Only children started by a webhook
 *   (`started_by.kind = 'webhook'`) fire it, so no other end pays for more than the WHEN test.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`alter table executions add column response jsonb`.execute(db);
  await sql`
    create function flowline_end_webhook_parent() returns trigger language plpgsql as $$
    begin
      update executions p set status = new.status, ended_at = coalesce(new.ended_at, now()),
        output = new.output, message = new.message, error = new.error, response = new.response
      where p.id = new.parent_id and p.type = 'WEBHOOK'
        and p.status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED');
      return null;
    end $$`.execute(db);
  await sql`
    create trigger executions_end_webhook_parent
    after update of status on executions
    for each row
    when (new.parent_id is not null and new.started_by->>'kind' = 'webhook'
      and new.status in ('ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED')
      and old.status not in ('ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED'))
    execute function flowline_end_webhook_parent()`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop trigger if exists executions_end_webhook_parent on executions`.execute(db);
  await sql`drop function if exists flowline_end_webhook_parent()`.execute(db);
  await sql`alter table executions drop column if exists response`.execute(db);
}
