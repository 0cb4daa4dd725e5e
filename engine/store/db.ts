import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database';

// Return int8 (bigint, count(*)) as numbers: every count Flowline keeps fits in 2^53.
pg.types.setTypeParser(20, (value) => Number.parseInt(value, 10));

export type Db = Kysely<Database>;

const databaseUrls = new WeakMap<Db, string>();

export function createDb(databaseUrl: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 10 });
  // An idle client losing its server (a PostgreSQL restart) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  databaseUrls.set(db, databaseUrl);
  return db;
}

/** The URL a Db made by createDb talks to: connectors must not reach Flowline's own database. */
export function databaseUrlOf(db: Db): string | undefined {
  return databaseUrls.get(db);
}
