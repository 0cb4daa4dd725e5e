import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Graph flows: one record per node of a run (engine/store/execution-nodes.ts), written by the worker
 * from the runtime's reports (engine/runtime/host/nodes.ts). A record that has ended (success, error,
 * skipped, cancelled) never changes again; `child_id` names the child execution of the node's last
 * attempt (its row holds the output, so the record does not copy it).
 *
 * When a FLOW execution ends, however it ends (its own end, a cancel of its tree, an error above it),
 * the records it leaves `running` become `cancelled`: a trigger, so no end path can forget it. It fires
 * only for FLOW rows whose status becomes an ended one, and costs them one probe of this table's
 * primary key (execution_id first), which finds nothing for a flow that is not a graph.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('execution_nodes')
    .addColumn('execution_id', 'uuid', (c) => c.notNull().references('executions.id').onDelete('cascade'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('running', 'success', 'error', 'skipped', 'cancelled')`),
    )
    .addColumn('started_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('child_id', 'uuid')
    .addColumn('output', 'jsonb')
    .addColumn('error', 'jsonb')
    .addPrimaryKeyConstraint('execution_nodes_pkey', ['execution_id', 'node_id'])
    .execute();

  await sql`
    create function flowline_cancel_running_nodes() returns trigger language plpgsql as $$
    begin
      update execution_nodes set status = 'cancelled', ended_at = coalesce(new.ended_at, now())
      where execution_id = new.id and status = 'running';
      return null;
    end $$`.execute(db);
  await sql`
    create trigger executions_cancel_running_nodes
    after update of status on executions
    for each row
    when (new.type = 'FLOW'
      and new.status in ('ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED')
      and old.status not in ('ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED'))
    execute function flowline_cancel_running_nodes()`.execute(db);
}
