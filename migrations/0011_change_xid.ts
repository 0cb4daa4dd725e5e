import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Live updates (docs/live.md): every row of `executions` and `execution_nodes` names the transaction
 * that last changed what users see of it (`change_xid`, its top-level transaction id). A live view
 * remembers the snapshot it last read in; a row changed since is one whose `change_xid` that snapshot
 * does not see. Unlike a number taken from a sequence, this cannot miss a change that commits after a
 * later-numbered one.
 *
 * Inserts take the column's default; updates set it in a BEFORE trigger. On `executions` the trigger
 * fires only when a column users see changed: the heartbeat's lease renewals (every running execution,
 * every second) stay silent and cost no function call. Rows that existed before this migration keep
 * null: no snapshot ever counts them as changed, and the first read of a view takes every row anyway.
 * Adding the column and its default is instant: no table rewrite.
 */
export async function up(db: AnyDb): Promise<void> {
  for (const table of ['executions', 'execution_nodes']) {
    await sql`alter table ${sql.table(table)} add column change_xid xid8`.execute(db);
    await sql`alter table ${sql.table(table)} alter column change_xid set default pg_current_xact_id()`.execute(
      db,
    );
  }
  await sql`
    create function flowline_stamp_change() returns trigger language plpgsql as $$
    begin
      new.change_xid := pg_current_xact_id();
      return new;
    end $$`.execute(db);
  await sql`
    create trigger executions_stamp_change
    before update on executions
    for each row
    when (old.status is distinct from new.status
      or old.started_at is distinct from new.started_at
      or old.ended_at is distinct from new.ended_at
      or old.name is distinct from new.name
      or old.message is distinct from new.message
      or old.error is distinct from new.error
      or old.output is distinct from new.output)
    execute function flowline_stamp_change()`.execute(db);
  await sql`
    create trigger execution_nodes_stamp_change
    before update on execution_nodes
    for each row execute function flowline_stamp_change()`.execute(db);
  // The Executions list's live view reads "changed since" over all executions; a tree's reads go by root_id.
  await sql`create index executions_change_idx on executions (change_xid)`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop trigger if exists execution_nodes_stamp_change on execution_nodes`.execute(db);
  await sql`drop trigger if exists executions_stamp_change on executions`.execute(db);
  await sql`drop function if exists flowline_stamp_change()`.execute(db);
  await sql`drop index if exists executions_change_idx`.execute(db);
  for (const table of ['executions', 'execution_nodes']) {
    await sql`alter table ${sql.table(table)} drop column if exists change_xid`.execute(db);
  }
}
