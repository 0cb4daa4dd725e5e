import { z } from 'zod';
import { ensureAdmin } from '../../engine/auth/accounts';
import { MIN_PASSWORD_LENGTH } from '../../engine/auth/password';
import { parseEnv, readEngineConfig, type EngineConfig } from '../../engine/config';
import type { Db } from '../../engine/store/db';
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
    await createConfiguredAdmin(db);
  } finally {
    await db.destroy();
  }
  return { config, database };
}

const adminEnvSchema = z
  .object({
    FLOWLINE_ADMIN_EMAIL: z.email('must be an email address').optional(),
    FLOWLINE_ADMIN_PASSWORD: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
      .optional(),
  })
  .refine((env) => (env.FLOWLINE_ADMIN_EMAIL === undefined) === (env.FLOWLINE_ADMIN_PASSWORD === undefined), {
    message: 'set both FLOWLINE_ADMIN_EMAIL and FLOWLINE_ADMIN_PASSWORD, or neither',
    path: ['FLOWLINE_ADMIN_PASSWORD'],
  });

/** FLOWLINE_ADMIN_EMAIL / FLOWLINE_ADMIN_PASSWORD pre-create an administrator (never logging the password). */
export async function createConfiguredAdmin(db: Db, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { FLOWLINE_ADMIN_EMAIL: email, FLOWLINE_ADMIN_PASSWORD: password } = parseEnv(adminEnvSchema, env);
  if (!email || !password) return;
  const outcome = await ensureAdmin(db, { email, password });
  console.log(
    outcome === 'created'
      ? `[flowline] created the administrator ${email} (FLOWLINE_ADMIN_EMAIL)`
      : `[flowline] administrator ${email} already exists; its password is left unchanged`,
  );
}

export type Shutdown = { add(step: () => Promise<unknown>): void };

/**
 * Installs the SIGINT/SIGTERM handlers at once, so a signal during start-up still shuts down cleanly
 * (without them Node would die on the spot and leave the embedded PostgreSQL running). Each resource
 * adds its exit step when it exists; they run once, the last added first, then the process exits.
 */
export function onShutdown(): Shutdown {
  const steps: Array<() => Promise<unknown>> = [];
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[flowline] ${signal}: shutting down`);
    for (const step of steps.reverse()) {
      await step().catch((error: unknown) => console.error('[flowline] shutdown step failed:', error));
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  return { add: (step) => void steps.push(step) };
}

/** Prints a configuration error as one clear line instead of a stack. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(`[flowline] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
