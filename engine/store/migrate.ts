import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationResultSet } from 'kysely/migration';
import { migrations } from '../../migrations';

/** Any constant key works; this one is "flowline" in ASCII, so it is recognisable in pg_locks. */
const MIGRATION_LOCK_KEY = 0x666c6f776c696e65n;

/**
 * Brings the schema up to date. Safe to call from several processes at once: a session-level
 * advisory lock makes the others wait, and they then find nothing left to do.
 */
// The migrator works on any schema: it only needs a connection, not Flowline's table types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationResultSet> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      const migrator = new Migrator({
        db: conn,
        provider: { getMigrations: async (): Promise<Record<string, Migration>> => migrations },
      });
      const result = await migrator.migrateToLatest();
      if (result.error) {
        const failed = result.results?.find((r) => r.status === 'Error');
        const cause = result.error instanceof Error ? result.error.message : String(result.error);
        throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, {
          cause: result.error,
        });
      }
      return result;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
