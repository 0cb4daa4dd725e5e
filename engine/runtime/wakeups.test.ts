/**
 * No lost wake-ups and no lost work (docs/engine.md §5-§6): every end of a child wakes a parent that
 * waits for it, and whatever must run is queued again when its job is gone.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { RETURNS_INPUT, setUpEngineTestbed } from '../../test/engine-testbed';
import { BOSS_SCHEMA } from '../queue/boss';
import { listLogs } from '../store/logs';
import { cancelExecution } from './finish';
import { startExecution } from './start';
import { defineFlow, treeOf, waitForEnd, waitUntil } from './testing';

const { db, boss, run, runToEnd } = await setUpEngineTestbed({
  workerEnv: { WORKER_CONCURRENCY: '1' },
  flows: {
    quick: RETURNS_INPUT,
    'slow-child': `export default async function handler(this: any) {
        for (let i = 0; i < 5; i++) await this.sleep(0.8);
        return 'slow done';
      }`,
  },
});

/** Removes an execution's queued jobs, as an outage that exhausted their retries would. */
async function loseJobs(executionId: string): Promise<number> {
  const result = await sql`
    delete from ${sql.table(`${BOSS_SCHEMA}.job`)} where data->>'executionId' = ${executionId}`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

describe('a parent waiting for a child that runs in its worker', () => {
  it('is woken by the child: Promise.all of a running child and a durable sleep ends', async () => {
    const ended = await runToEnd(
      'both',
      `export default async function handler(this: any) {
        const [child] = await Promise.all([this.flow('slow-child'), this.sleep(2)]);
        return child.output;
      }`,
      undefined,
      40_000,
    );
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'slow done' });
  });
});

describe('cancelling a child while waiting for another', () => {
  it('deadlocks nowhere: each execution ends as its code says', async () => {
    await defineFlow(
      db,
      'cancel-and-wait',
      `export default async function handler(this: any) {
        const a = await this.flow('slow-child', null, { wait: false });
        const b = await this.flow('quick', 'b', { wait: false });
        const [, done] = await Promise.all([a.cancel(), this.waitFor([b])]);
        return done[0].output;
      }`,
    );
    const started = await Promise.all(Array.from({ length: 4 }, () => run('cancel-and-wait')));
    for (const execution of started) {
      const ended = await waitForEnd(db, execution.id, 60_000);
      expect(ended.error).toBeNull();
      expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'b' });
    }
  });
});

describe('lost jobs', () => {
  it('runs a PENDING execution whose job is gone once its deadline passed', async () => {
    // Created without a job's way to a worker: as if its job had been lost before any worker fetched it.
    const orphan = await startExecution(
      { db, boss },
      { flow: { name: 'quick' }, input: 'found', startedBy: { kind: 'system' }, mode: { kind: 'created' } },
    );
    expect(await loseJobs(orphan.id)).toBe(0);
    // Its deadline passes (QUEUE_DEADLINE_MS after it was queued): moved here rather than waited for.
    await db
      .updateTable('executions')
      .set({ lease_until: new Date(Date.now() - 1000) })
      .where('id', '=', orphan.id)
      .execute();
    const ended = await waitForEnd(db, orphan.id);
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'found' });
  });

  it('wakes a sleeping execution whose delayed job is gone', async () => {
    await defineFlow(
      db,
      'sleeper',
      `export default async function handler(this: any) { await this.sleep(2); return 'woke'; }`,
    );
    const sleeper = await run('sleeper');
    await waitUntil(async () => (await treeOf(db, sleeper.id))[0]?.status === 'WAITING');
    expect(await loseJobs(sleeper.id)).toBeGreaterThan(0);
    // Its deadline (the sleep's end plus a margin) passes.
    await db
      .updateTable('executions')
      .set({ lease_until: new Date(Date.now() + 2500) })
      .where('id', '=', sleeper.id)
      .execute();
    const ended = await waitForEnd(db, sleeper.id);
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'woke' });
  });
});

describe('an execution cancelled while it waits for a slot', () => {
  it('never runs', async () => {
    await defineFlow(
      db,
      'occupy',
      `export default async function handler(this: any) { for (let i = 0; i < 3; i++) await this.sleep(0.9); }`,
    );
    await defineFlow(
      db,
      'never',
      `export default async function handler(this: any) { await this.log('ran'); return 'ran'; }`,
    );
    const occupying = await run('occupy');
    await waitUntil(async () => (await treeOf(db, occupying.id))[0]?.status === 'RUNNING');
    // The only slot is taken: this one is claimed into the worker's ready list (or still queued).
    const queued = await run('never');
    await waitUntil(async () => (await treeOf(db, queued.id))[0]?.status === 'RUNNING', 5_000).catch(
      () => {},
    );
    await cancelExecution({ db, boss }, queued.id);
    await waitForEnd(db, occupying.id);
    // Long enough for a slot to have started it, had it not been dropped.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await treeOf(db, queued.id))[0]?.status).toBe('ENDED_CANCELLED');
    expect(await listLogs(db, queued.id)).toEqual([]);
  });
});
