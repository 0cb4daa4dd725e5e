import { afterAll, inject } from 'vitest';
import { createDb, type Db } from '../engine/store/db';
import { cloneDatabase } from '../engine/store/test-databases';

export type TestDatabase = { url: string; db: Db };

/**
 * A fresh, migrated database for the calling test file, dropped when the file's tests are done.
 * Call it at the top level of a test file or in beforeAll.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const clone = await cloneDatabase(inject('templateDatabaseUrl'));
  const db = createDb(clone.url);
  afterAll(async () => {
    await db.destroy();
    await clone.drop();
  });
  return { url: clone.url, db };
}
