import path from 'node:path';
import { startEmbeddedPostgres } from './embedded';

export type ResolvedDatabase = { url: string; embedded: boolean; stop(): Promise<void> };

/**
 * The database Flowline runs on: `DATABASE_URL` when it is set, else an embedded PostgreSQL whose
 * data is kept under `dataDir` (a `cluster` sub-folder name separates e.g. the tests' cluster).
 */
export async function resolveDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  log?: (line: string) => void;
}): Promise<ResolvedDatabase> {
  if (options.databaseUrl) {
    return { url: options.databaseUrl, embedded: false, stop: async () => {} };
  }
  const embedded = await startEmbeddedPostgres({ dataDir: path.resolve(options.dataDir), log: options.log });
  return { url: embedded.url, embedded: true, stop: () => embedded.stop() };
}
