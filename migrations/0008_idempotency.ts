import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * `Idempotency-Key` of `POST /api/latest/execution` (docs/api.md): which execution a principal's key
 * started, and a hash of the request it came with. The primary key makes two requests with one key
 * create one execution; the row is written in the execution's own transaction, before it, and refers
 * to it with a deferred foreign key (checked at commit, when the execution exists). Keys live 24 hours
 * (engine/store/idempotency.ts); deleting an execution deletes its key.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('execution_id', 'uuid', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['principal', 'key'])
    .addForeignKeyConstraint(
      'idempotency_keys_execution_fkey',
      ['execution_id'],
      'executions',
      ['id'],
      (fk) => fk.onDelete('cascade').deferrable().initiallyDeferred(),
    )
    .execute();
  // Expired keys are found by age (engine/store/idempotency.ts deletes a few with every new key).
  await db.schema
    .createIndex('idempotency_keys_created_at_idx')
    .on('idempotency_keys')
    .column('created_at')
    .execute();
  // The cascade from executions looks keys up by execution.
  await db.schema
    .createIndex('idempotency_keys_execution_idx')
    .on('idempotency_keys')
    .column('execution_id')
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
}
