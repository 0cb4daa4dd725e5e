import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../postgres/embedded';
import { startBoss } from '../queue/boss';
import { createDb, type Db } from '../store/db';
import { migrateToLatest } from '../store/migrate';
import { withDbRetry } from './db-retry';
import { startExecution } from './start';
import { defineFlow, spawnWorker, treeOf, waitForEnd, waitUntil, type WorkerProcess } from './testing';
import type { PgBoss } from 'pg-boss';

// A PostgreSQL of this test's own (restarting the shared one would disturb every other test).
let postgres: EmbeddedPostgres;
let db: Db;
let boss: PgBoss;
let worker: WorkerProcess;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowline-pg-restart-'));

beforeAll(async () => {
  postgres = await startEmbeddedPostgres({ dataDir });
  db = createDb(postgres.url);
  await migrateToLatest(db);
  boss = await startBoss(postgres.url);
  worker = spawnWorker(postgres.url);
  await worker.ready;
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await boss?.stop({ graceful: false }).catch(() => {});
  await db?.destroy();
  await postgres?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** pg_ctl restart, as the user the server runs as; postmaster.opts keeps its port. */
function restartPostgres(): void {
  const pidFile = fs.readFileSync(path.join(postgres.clusterDir, 'postmaster.pid'), 'utf8');
  const binDir = path.dirname(fs.readlinkSync(`/proc/${pidFile.split('\n')[0]}/exe`));
  const owner = fs.statSync(postgres.clusterDir);
  execFileSync(
    path.join(binDir, 'pg_ctl'),
    ['restart', '-D', postgres.clusterDir, '-m', 'fast', '-w', '-s'],
    {
      uid: owner.uid,
      gid: owner.gid,
      stdio: 'ignore',
    },
  );
}

describe('a PostgreSQL restart', () => {
  it('is survived by the worker: the running flow carries on and ends once, nothing lost', async () => {
    await defineFlow(db, 'quick', `export default async function handler(this: any) { return this.input; }`);
    await defineFlow(
      db,
      'steady',
      `export default async function handler(this: any) {
        let sum = 0;
        for (let i = 1; i <= 8; i++) {
          sum += (await this.flow('quick', i)).output;
          await this.sleep(0.3);
        }
        return sum;
      }`,
    );
    const steady = await startExecution(
      { db, boss },
      { flow: { name: 'steady' }, startedBy: { kind: 'system' } },
    );
    await waitUntil(async () => (await treeOf(db, steady.id)).length >= 3);
    restartPostgres();
    const ended = await waitForEnd(db, steady.id, 90_000);
    expect(ended.error).toBeNull();
    expect(ended.output).toBe(36);
    const children = (await withDbRetry(() => treeOf(db, steady.id))).filter((e) => e.id !== steady.id);
    expect(children.map((c) => c.input)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(worker.child.exitCode).toBeNull();
    // And new work still reaches it.
    const next = await startExecution(
      { db, boss },
      { flow: { name: 'quick' }, input: 5, startedBy: { kind: 'system' } },
    );
    expect((await waitForEnd(db, next.id)).output).toBe(5);
  }, 150_000); // its own waits (90 s for the end through the restart) must fit inside the test's limit
});
