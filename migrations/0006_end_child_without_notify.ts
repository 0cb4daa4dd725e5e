import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * The function of 0005 without its NOTIFY (events are now announced after commit: a NOTIFY inside a
 * writing transaction serialises commits, see engine/events/events.ts), returning what the caller needs
 * to announce the end itself. A new name, so that a process still running the old code keeps working
 * during an upgrade.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`
    create or replace function flowline_end_child_success2(
      p_id uuid, p_attempt integer, p_set_output boolean, p_output jsonb, p_set_message boolean, p_message text
    ) returns table (parent_id uuid, woke boolean, root_id uuid, node_id text)
    language plpgsql as $fn$
    declare
      v_parent uuid;
      v_remaining integer;
      v_return_when text;
    begin
      select e.parent_id into v_parent from executions e where e.id = p_id;
      if v_parent is not null then
        perform pg_advisory_xact_lock_shared(hashtextextended(v_parent::text, 0));
      end if;
      update executions e set
        status = 'ENDED_SUCCESS',
        output = case when p_set_output then p_output else e.output end,
        message = case when p_set_message then p_message else e.message end,
        error = null, ended_at = now(), started_at = coalesce(e.started_at, now()),
        worker_id = null, lease_until = null, wait_for = null, wait_remaining = null
      where e.id = p_id and e.status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED')
        and (p_attempt is null or e.attempts = p_attempt)
      returning e.root_id, e.node_id into root_id, node_id;
      if not found then
        return;
      end if;
      parent_id := v_parent;
      woke := false;
      if v_parent is not null then
        update executions p set wait_remaining = p.wait_remaining - 1
        where p.id = v_parent and p.status = 'WAITING' and p.wait_remaining is not null
          and p.wait_for->>'kind' = 'children' and (p.wait_for->'ids') ? p_id::text
        returning p.wait_remaining, p.wait_for->>'returnWhen' into v_remaining, v_return_when;
        if found and (v_return_when = 'FIRST_ENDED' or v_remaining <= 0) then
          update executions p set wait_for = null, wait_remaining = null, lease_until = now() + interval '10 seconds'
          where p.id = v_parent and p.status = 'WAITING' and p.wait_for is not null;
          woke := found;
        end if;
      end if;
      return next;
    end
    $fn$`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop function if exists flowline_end_child_success2(uuid, integer, boolean, jsonb, boolean, text)`.execute(
    db,
  );
}
