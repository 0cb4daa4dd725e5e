import { readEngineConfig, type EngineConfig } from '../../engine/config';
import { resolveDatabase, type ResolvedDatabase } from '../../engine/postgres/resolve';
import { createDb } from '../../engine/store/db';
import { migrateToLatest } from '../../engine/store/migrate';

/** Reads the configuration, finds (or starts) the database and migrates it: what every entry point needs first. */
export async function bootstrap(): Promise<{ config: EngineConfig; database: ResolvedDatabase }> {
  const config = readEngineConfig();
  const database = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    log: (line) => console.log(`[flowline] ${line}`),
  });
  const db = createDb(database.url, { max: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  return { config, database };
}

/** Runs the exit steps once on SIGINT/SIGTERM, then exits. */
export function onShutdown(steps: Array<() => Promise<unknown>>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[flowline] ${signal}: shutting down`);
    for (const step of steps) {
      await step().catch((error: unknown) => console.error('[flowline] shutdown step failed:', error));
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** Prints a configuration error as one clear line instead of a stack. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(`[flowline] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
