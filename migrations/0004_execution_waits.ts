import type { Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * How many of the children a WAITING execution waits for have not ended yet: each ending child
 * counts it down under the parent's row lock, so a join over N children costs O(1) per child
 * instead of a recount of all N (see docs/engine.md, "Waking a parent").
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable('executions').addColumn('wait_remaining', 'integer').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('executions').dropColumn('wait_remaining').execute();
}
