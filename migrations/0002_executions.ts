import { getConstructionPlans } from 'pg-boss';
import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/** The schema pg-boss keeps its jobs in; engine/queue/boss.ts uses the same name. */
const PGBOSS_SCHEMA = 'pgboss';

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('executions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('type', 'text', (c) =>
      c.notNull().check(sql`type in ('FLOW', 'SCRIPT', 'CONNECTION', 'SCHEDULE', 'WEBHOOK')`),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('flow_id', 'uuid', (c) => c.references('flows.id').onDelete('set null'))
    .addColumn('flow_version', 'integer')
    .addColumn('parent_id', 'uuid', (c) => c.references('executions.id').onDelete('cascade'))
    .addColumn('root_id', 'uuid', (c) => c.notNull())
    .addColumn('node_id', 'text')
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`status in ('PENDING', 'RUNNING', 'WAITING', 'PAUSED', 'ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED')`,
        ),
    )
    .addColumn('is_productive', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('input', 'jsonb')
    .addColumn('output', 'jsonb')
    .addColumn('message', 'text')
    .addColumn('error', 'jsonb')
    // SCRIPT executions carry their own compiled code; CONNECTION executions their connector call.
    .addColumn('code', 'jsonb')
    .addColumn('timeout_seconds', 'integer', (c) => c.notNull().defaultTo(3600))
    .addColumn('started_by', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    // Runtime bookkeeping: which worker holds the execution, until when (renewed by its heartbeat),
    // and what a WAITING execution waits for.
    .addColumn('worker_id', 'text')
    .addColumn('lease_until', 'timestamptz')
    .addColumn('wait_for', 'jsonb')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('executions_parent_idx').on('executions').column('parent_id').execute();
  await db.schema.createIndex('executions_root_idx').on('executions').column('root_id').execute();
  await sql`create index executions_created_idx on executions (created_at desc, id desc)`.execute(db);
  await sql`create index executions_flow_idx on executions (flow_id, created_at desc)`.execute(db);
  await sql`create index executions_lease_idx on executions (lease_until) where worker_id is not null`.execute(
    db,
  );

  await db.schema
    .createTable('execution_steps')
    .addColumn('execution_id', 'uuid', (c) => c.notNull().references('executions.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('request', 'jsonb')
    .addColumn('result', 'jsonb')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('STARTED', 'SUCCEEDED', 'FAILED')`))
    .addColumn('child_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .addPrimaryKeyConstraint('execution_steps_pkey', ['execution_id', 'seq'])
    .execute();

  await db.schema
    .createTable('execution_logs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('execution_id', 'uuid', (c) => c.notNull().references('executions.id').onDelete('cascade'))
    // The journal position of a log line written by user code: a replay does not log it twice.
    .addColumn('seq', 'integer')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb')
    .addColumn('node_id', 'text')
    .addUniqueConstraint('execution_logs_seq_key', ['execution_id', 'seq'])
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // pg-boss's own schema, installed here so that every database (and the test template) has it
  // before a worker starts; pg-boss then finds itself installed and skips its own set-up.
  // Its plan brings its own BEGIN/COMMIT: the migrator already runs us in a transaction.
  const plan = getConstructionPlans(PGBOSS_SCHEMA)
    .replace(/^\s*BEGIN;/, '')
    .replace(/COMMIT;\s*$/, '');
  await sql.raw(plan).execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql.raw(`drop schema if exists ${PGBOSS_SCHEMA} cascade`).execute(db);
  await db.schema.dropTable('settings').execute();
  await db.schema.dropTable('execution_logs').execute();
  await db.schema.dropTable('execution_steps').execute();
  await db.schema.dropTable('executions').execute();
}
