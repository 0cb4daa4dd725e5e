import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Ending a child that succeeded, in ONE round trip (engine/runtime/finish.ts, finishChildSuccess): takes
 * the parent's waiter lock shared, ends the child, announces it, counts the parent's wait down and, when
 * the parent's wait is over, marks it woken (wait_for cleared, lease_until = a deadline by which a
 * worker must have queued it; the reaper re-queues it otherwise). A statement of its own per step, so
 * each sees what committed before it (READ COMMITTED), exactly as the transaction it replaces.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`
    create or replace function flowline_end_child_success(
      p_id uuid, p_attempt integer, p_set_output boolean, p_output jsonb, p_set_message boolean, p_message text
    ) returns table (parent_id uuid, woke boolean)
    language plpgsql as $fn$
    declare
      v_parent uuid;
      v_root uuid;
      v_node text;
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
      returning e.root_id, e.node_id into v_root, v_node;
      if not found then
        return;
      end if;
      perform pg_notify('flowline_events', json_build_object('id', p_id, 'rootId', v_root, 'parentId', v_parent,
        'status', 'ENDED_SUCCESS', 'nodeId', v_node, 'kind', 'status')::text);
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
  // The reaper's look-up of woken executions nobody queued (see releaseExpiredLeases' sibling).
  await sql`create index executions_woken_idx on executions (lease_until)
            where status = 'WAITING' and wait_for is null`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop index if exists executions_woken_idx`.execute(db);
  await sql`drop function if exists flowline_end_child_success(uuid, integer, boolean, jsonb, boolean, text)`.execute(
    db,
  );
}
