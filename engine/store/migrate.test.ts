import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { migrateToLatest } from './migrate';

const { db } = await createTestDatabase();

describe('migrateToLatest', () => {
  it('creates the foundation tables', async () => {
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public'`.execute(db);
    const names = tables.rows.map((r) => r.table_name);
    expect(names).toEqual(expect.arrayContaining(['users', 'api_tokens', 'flows', 'flow_versions']));
  });

  it('is idempotent and safe when several processes migrate at once', async () => {
    const results = await Promise.all([migrateToLatest(db), migrateToLatest(db), migrateToLatest(db)]);
    for (const result of results) {
      expect(result.error).toBeUndefined();
      expect(result.results).toEqual([]);
    }
  });
});
