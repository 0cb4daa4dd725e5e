import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * One path for every end of an execution, and one wake rule (docs/engine.md §6):
 *
 * - `flowline_wait_over` is THE rule for "what a waiting parent waits for now holds". The parent uses
 *   it when it decides to wait (`flowline_suspend`, counting its children under its waiter lock taken
 *   exclusively); every child that ends uses it when it counts the parent down (`flowline_child_ended`,
 *   under the same lock taken shared).
 * - `flowline_child_ended` is what every end of a child does for its parent, whichever way it ended
 *   (in this worker or another, succeeded, failed or cancelled): complete the parent's journal step that
 *   waits for it, count the parent's wait down, and wake the parent when its wait is over.
 * - `flowline_end_execution` ends an execution (fenced by its attempt) and calls it; for an end other
 *   than success it also cancels what the execution leaves unfinished below it.
 * - `flowline_cancel_execution` cancels a subtree and calls it for the subtree's top.
 *
 * A woken execution gets a deadline (`lease_until` with no worker): by then a worker must have queued it;
 * the workers' sweep queues every execution past such a deadline (a lost job, a waker that died).
 *
 * Also: executions get a random `seed` (the source of a replay-stable Math.random and crypto in user
 * code), journal steps the hash of their request (a replay that asks something else is detected), log
 * lines a position relative to the journal step they follow, and the two end functions of 0005 and
 * 0006 are dropped.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`drop function if exists flowline_end_child_success(uuid, integer, boolean, jsonb, boolean, text)`.execute(
    db,
  );
  await sql`drop function if exists flowline_end_child_success2(uuid, integer, boolean, jsonb, boolean, text)`.execute(
    db,
  );
  // Nullable, the default set apart: adding a column with a volatile default would rewrite the table.
  // Executions from before have none (their randomness is keyed by their id alone).
  await sql`alter table executions add column seed uuid`.execute(db);
  await sql`alter table executions alter column seed set default gen_random_uuid()`.execute(db);
  await sql`alter table execution_steps add column request_hash text`.execute(db);
  // A log line of user code is numbered by the journal step it follows (seq) and its place after that
  // step (line): a replay that logs once more or less before a step shifts no later line.
  await sql`alter table execution_logs add column line integer`.execute(db);
  await sql`alter table execution_logs drop constraint execution_logs_seq_key`.execute(db);
  await sql`alter table execution_logs add constraint execution_logs_position_key unique (execution_id, seq, line)`.execute(
    db,
  );
  // A child's end completes the parent's step that waits for it: found by the child, not by scanning
  // the parent's journal (a parent with a fan-out of 1,000 has 1,000 steps).
  await sql`create index execution_steps_waiting_child_idx on execution_steps (child_id) where status = 'STARTED'`.execute(
    db,
  );
  // The sweep looks for executions past their deadline, claimed or not (an ended one has none). Its
  // predicate must not be a status list: the planner would then scan the whole index to check a status.
  await sql`create index executions_deadline_idx on executions (lease_until) where lease_until is not null`.execute(
    db,
  );

  // The fence of a run's writes (engine/store/executions.ts, Fence): holds while the attempt still owns
  // the execution and it runs, and share-locks the row until the write commits (a claim waits for it).
  // A refused fence raises FL001, aborting the whole statement or transaction: nothing of it lands.
  // It takes the execution's waiter lock (shared) first: every transaction takes the waiter lock before
  // the row, as flowline_suspend does, so a run's own write and its own wait cannot deadlock.
  await sql`
    create function flowline_fence(p_id uuid, p_attempt integer) returns boolean language plpgsql as $fn$
    begin
      perform pg_advisory_xact_lock_shared(hashtextextended(p_id::text, 0));
      perform 1 from executions e where e.id = p_id and e.attempts = p_attempt and e.status = 'RUNNING' for share;
      if not found then
        raise exception 'attempt % no longer owns execution %', p_attempt, p_id using errcode = 'FL001';
      end if;
      return true;
    end
    $fn$`.execute(db);

  // Aborts a statement whose own outcome shows it must not land (e.g. a journal step someone else
  // recorded first: FL002).
  await sql`
    create function flowline_require(p_holds boolean, p_errcode text, p_message text) returns boolean
    language plpgsql as $fn$
    begin
      if not p_holds then
        raise exception '%', p_message using errcode = p_errcode;
      end if;
      return true;
    end
    $fn$`.execute(db);

  await sql`
    create function flowline_wait_over(p_return_when text, p_unended integer, p_any_failed boolean, p_any_ended boolean)
    returns boolean language sql immutable as $fn$
      select case p_return_when
        when 'FIRST_ENDED' then p_any_ended
        when 'ALL_ENDED' then p_unended <= 0
        else p_unended <= 0 or p_any_failed -- ALL_SUCCEEDED: over at the first failure
      end
    $fn$`.execute(db);

  await sql`
    create function flowline_snapshot(e executions) returns jsonb language sql immutable as $fn$
      select jsonb_build_object('id', e.id, 'type', e.type, 'name', e.name, 'status', e.status,
        'output', coalesce(e.output, 'null'::jsonb), 'message', e.message,
        'error', case when e.error is null then null
                 else jsonb_build_object('name', e.error->>'name', 'message', e.error->>'message') end)
    $fn$`.execute(db);

  await sql`
    create function flowline_dependency_error(e executions) returns jsonb language sql immutable as $fn$
      select jsonb_build_object(
        'name', 'DependencyFailedError',
        'message', format('child execution ''%s'' (%s) %s', e.name, e.id,
          case when e.status = 'ENDED_CANCELLED' then 'was cancelled'
               else 'failed: ' || coalesce(e.error->>'message', e.message, 'no message') end),
        'childId', e.id, 'childStatus', e.status)
    $fn$`.execute(db);

  // The caller holds the parent's waiter lock shared (so children end in parallel, and never between
  // the parent's count of its children and its suspend). Returns true when this end woke the parent.
  await sql`
    create function flowline_child_ended(p_child executions) returns boolean language plpgsql as $fn$
    declare
      v_remaining integer;
      v_return_when text;
      v_failed boolean := p_child.status <> 'ENDED_SUCCESS';
    begin
      if p_child.parent_id is null then
        return false;
      end if;
      update execution_steps s set ended_at = now(),
        status = case when v_failed then 'FAILED' else 'SUCCEEDED' end,
        result = case when v_failed then flowline_dependency_error(p_child) else flowline_snapshot(p_child) end
      -- By the child alone (execution_steps_waiting_child_idx): a parent's journal may hold 1,000 steps.
      where s.child_id = p_child.id and s.status = 'STARTED';
      update executions p set wait_remaining = p.wait_remaining - 1
      where p.id = p_child.parent_id and p.status = 'WAITING' and p.wait_remaining is not null
        and p.wait_for->>'kind' = 'children' and (p.wait_for->'ids') ? p_child.id::text
      returning p.wait_remaining, p.wait_for->>'returnWhen' into v_remaining, v_return_when;
      if not found or not flowline_wait_over(v_return_when, v_remaining, v_failed, true) then
        return false;
      end if;
      update executions p set wait_for = null, wait_remaining = null, lease_until = now() + interval '10 seconds'
      where p.id = p_child.parent_id and p.status = 'WAITING' and p.wait_for is not null;
      return found;
    end
    $fn$`.execute(db);

  // Every unfinished execution below one (not itself) ends ENDED_CANCELLED; returns them. Their own
  // parents are in the subtree, so nothing outside it waits for them.
  await sql`
    create function flowline_cancel_below(p_id uuid) returns setof executions language sql as $fn$
      with recursive subtree as (
        select c.id from executions c where c.parent_id = p_id
        union all
        select c.id from executions c join subtree s on c.parent_id = s.id
      )
      update executions c
      set status = 'ENDED_CANCELLED', ended_at = now(), worker_id = null, lease_until = null,
          wait_for = null, wait_remaining = null, message = coalesce(c.message, 'cancelled')
      from subtree
      where c.id = subtree.id and c.status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED')
      returning c.*
    $fn$`.execute(db);

  // Each statement of a plpgsql function sees what committed before it (READ COMMITTED), so the end,
  // made after the parent's waiter lock is held, cannot slip between the parent's count and its suspend.
  await sql`
    create function flowline_end_execution(
      p_id uuid, p_parent uuid, p_attempt integer, p_status text, p_set_output boolean, p_output jsonb,
      p_set_message boolean, p_message text, p_error jsonb
    ) returns table (execution executions, woke boolean) language plpgsql as $fn$
    declare
      v_ended executions;
      v_woke boolean;
    begin
      -- p_parent: the execution's parent (it never changes), given by the caller to save a look-up.
      if p_parent is not null then
        perform pg_advisory_xact_lock_shared(hashtextextended(p_parent::text, 0));
      end if;
      update executions e set
        status = p_status,
        output = case when p_set_output then p_output else e.output end,
        message = case when p_set_message then p_message else e.message end,
        error = p_error, ended_at = now(), started_at = coalesce(e.started_at, now()),
        worker_id = null, lease_until = null, wait_for = null, wait_remaining = null
      where e.id = p_id and e.status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED') and e.attempts = p_attempt
      returning e.* into v_ended;
      if not found then
        return;
      end if;
      v_woke := flowline_child_ended(v_ended);
      execution := v_ended;
      woke := v_woke;
      return next;
      if p_status <> 'ENDED_SUCCESS' then
        -- What a failed or cancelled execution leaves unfinished below it is cancelled with it.
        return query select c, false from flowline_cancel_below(p_id) c;
      end if;
    end
    $fn$`.execute(db);

  await sql`
    create function flowline_cancel_execution(p_id uuid)
    returns table (execution executions, woke boolean) language plpgsql as $fn$
    declare
      v_parent uuid;
      v_top executions;
    begin
      select e.parent_id into v_parent from executions e where e.id = p_id;
      if v_parent is not null then
        perform pg_advisory_xact_lock_shared(hashtextextended(v_parent::text, 0));
      end if;
      update executions e
      set status = 'ENDED_CANCELLED', ended_at = now(), worker_id = null, lease_until = null,
          wait_for = null, wait_remaining = null, message = coalesce(e.message, 'cancelled')
      where e.id = p_id and e.status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED')
      returning e.* into v_top;
      if not found then
        return;
      end if;
      execution := v_top;
      woke := flowline_child_ended(v_top);
      return next;
      return query select c, false from flowline_cancel_below(p_id) c;
    end
    $fn$`.execute(db);

  // A run decides to wait. For children: counted under its waiter lock taken exclusively, so a child
  // ending meanwhile (holding it shared) either committed before the count or counts the parent down
  // after it is WAITING. Returns 'met' (the wait already holds: carry on), 'suspended', or 'lost' (this
  // attempt no longer owns the execution).
  await sql`
    create function flowline_suspend(p_id uuid, p_attempt integer, p_wait jsonb, p_deadline timestamptz)
    returns text language plpgsql as $fn$
    declare
      v_unended integer;
      v_failed integer;
      v_ended integer;
    begin
      if p_wait->>'kind' = 'children' then
        perform pg_advisory_xact_lock(hashtextextended(p_id::text, 0));
        select count(*) filter (where c.status not like 'ENDED_%'),
               count(*) filter (where c.status in ('ENDED_ERROR', 'ENDED_CANCELLED')),
               count(*) filter (where c.status like 'ENDED_%')
          into v_unended, v_failed, v_ended
        from executions c
        where c.id in (select jsonb_array_elements_text(p_wait->'ids')::uuid);
        if flowline_wait_over(p_wait->>'returnWhen', v_unended, v_failed > 0, v_ended > 0) then
          return 'met';
        end if;
      end if;
      update executions e set status = 'WAITING', wait_for = p_wait, wait_remaining = v_unended,
        worker_id = null, lease_until = p_deadline
      where e.id = p_id and e.attempts = p_attempt and e.status = 'RUNNING';
      if not found then
        return 'lost';
      end if;
      return 'suspended';
    end
    $fn$`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  for (const fn of [
    'flowline_require(boolean, text, text)',
    'flowline_fence(uuid, integer)',
    'flowline_suspend(uuid, integer, jsonb, timestamptz)',
    'flowline_cancel_execution(uuid)',
    'flowline_end_execution(uuid, uuid, integer, text, boolean, jsonb, boolean, text, jsonb)',
    'flowline_child_ended(executions)',
    'flowline_cancel_below(uuid)',
    'flowline_dependency_error(executions)',
    'flowline_snapshot(executions)',
    'flowline_wait_over(text, integer, boolean, boolean)',
  ]) {
    await sql.raw(`drop function if exists ${fn}`).execute(db);
  }
  await sql`drop index if exists executions_deadline_idx`.execute(db);
  await sql`drop index if exists execution_steps_waiting_child_idx`.execute(db);
  await sql`create index executions_lease_idx on executions (lease_until) where worker_id is not null`.execute(
    db,
  );
  await sql`alter table execution_logs drop constraint execution_logs_position_key`.execute(db);
  await sql`alter table execution_logs drop column line`.execute(db);
  await sql`alter table execution_logs add constraint execution_logs_seq_key unique (execution_id, seq)`.execute(
    db,
  );
  await sql`alter table execution_steps drop column request_hash`.execute(db);
  await sql`alter table executions drop column seed`.execute(db);
}
