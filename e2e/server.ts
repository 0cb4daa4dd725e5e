/**
 * The server the browser tests drive: the production build on a fresh, empty database of the
 * test run's server, so first-admin set-up can be tested. The database is dropped when it stops.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { readEngineConfig } from '../engine/config';
import { resolveDatabase } from '../engine/postgres/resolve';
import { dropDatabase, withDatabase } from '../engine/store/test-databases';
import { runMain } from '../scripts/lib/bootstrap';
import { serve } from '../scripts/lib/serve';
import { E2E_DATABASE_FILE } from './database-file';

runMain(async () => {
  const config = readEngineConfig();
  const server = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'test'),
  });
  const name = `flowline_e2e_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();

  process.env.DATABASE_URL = withDatabase(server.url, name);
  // Specs that run processes of their own beside this server (e2e/triggers.spec.ts) find its database here.
  fs.mkdirSync(path.dirname(E2E_DATABASE_FILE), { recursive: true });
  fs.writeFileSync(E2E_DATABASE_FILE, process.env.DATABASE_URL);
  process.env.FLOWLINE_DATA_DIR = path.join(os.tmpdir(), name);
  // The tests' flows query the server this database lives on, Flowline's own: an explicit exception.
  process.env.FLOWLINE_CONNECT_ALLOW = new URL(server.url).host;
  await serve({ dev: false, onStop: () => dropDatabase(server.url, name) });
});
