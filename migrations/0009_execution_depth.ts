import { sql, type Kysely } from 'kysely';

// Frozen history: typed against no schema (see 0001).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

/**
 * Each execution's depth in its tree (a root is 0, its children 1, ...): a child's start checks it
 * against the tree's depth limit (FLOWLINE_MAX_TREE_DEPTH) without walking up the tree. A constant
 * default adds the column without rewriting the table; executions from before count as roots.
 */
export async function up(db: AnyDb): Promise<void> {
  await sql`alter table executions add column depth integer not null default 0`.execute(db);
}
