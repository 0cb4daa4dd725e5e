import { readEngineConfig } from '../engine/config';
import { resolveDatabase } from '../engine/postgres/resolve';
import { Worker } from '../engine/runtime/worker';
import { loadSecretKey } from '../engine/secrets/secrets';
import { createDb } from '../engine/store/db';
import { migrateToLatest } from '../engine/store/migrate';
import { runMain } from './lib/bootstrap';

/**
 * `npm run worker`: one worker, nothing but DATABASE_URL needed (WORKER_CONCURRENCY optional).
 * SIGTERM/SIGINT stop it gracefully: no new work, running executions finish or are handed back.
 */
runMain(async () => {
  const config = readEngineConfig();
  const database = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    log: (line) => console.log(`[worker] ${line}`),
  });
  const migrationDb = createDb(database.url, { max: 1 });
  try {
    await migrateToLatest(migrationDb);
  } finally {
    await migrationDb.destroy();
  }
  const worker = await Worker.start({
    databaseUrl: database.url,
    concurrency: config.workerConcurrency,
    maxRunners: config.workerMaxRunners,
    maxTreeDepth: config.maxTreeDepth,
    runCpuSeconds: config.runCpuSeconds,
    secretKey: await loadSecretKey(config),
    log: (line) => console.log(`[worker] ${line}`),
  });
  console.log('[worker] ready');
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[worker] ${signal}: stopping`);
    await worker.stop({ graceMs: 10_000 });
    await database.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
});
