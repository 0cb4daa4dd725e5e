/**
 * Heartbeats under load (docs/engine.md §5): a flow flooding its log must not let a healthy run's lease
 * run out, or another worker would take it over and replay it while it still runs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { setUpEngineTestbed } from '../../test/engine-testbed';
import { listLogs } from '../store/logs';
import { startExecution } from './start';
import { spawnWorker, waitForEnd, type WorkerProcess } from './testing';

const { db, url, boss } = await setUpEngineTestbed({
  worker: false,
  flows: {
    flood: `export default async function handler(this: any) {
        const lines = [];
        for (let i = 0; i < 25000; i++) lines.push(this.log('line', i));
        await Promise.all(lines);
        return 'flooded';
      }`,
    steady: `export default async function handler(this: any) {
        for (let i = 0; i < 8; i++) await this.sleep(0.5);
        return 'steady';
      }`,
  },
});
const workers: WorkerProcess[] = [];
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
});

describe('log floods (4 flows, 25,000 lines each) beside 50 running executions', () => {
  it('let no healthy execution be taken over by another worker', async () => {
    // Every line is kept (the default limit is 10,000 per execution): the load is the point here.
    const busy = spawnWorker(url, { WORKER_CONCURRENCY: '60', FLOWLINE_MAX_LOG_LINES: '25000' });
    workers.push(busy);
    await busy.ready;
    const start = (flow: string) =>
      startExecution({ db, boss }, { flow: { name: flow }, startedBy: { kind: 'system' } });
    const steady = await Promise.all(Array.from({ length: 50 }, () => start('steady')));
    const floods = await Promise.all(Array.from({ length: 4 }, () => start('flood')));
    // A second worker, whose sweep would take over any run whose lease ran out.
    const watcher = spawnWorker(url, { WORKER_CONCURRENCY: '1', FLOWLINE_MAX_LOG_LINES: '25000' });
    workers.push(watcher);
    await watcher.ready;

    const ended = await Promise.all(
      [...floods, ...steady].map((execution) => waitForEnd(db, execution.id, 180_000)),
    );
    expect(ended.map((execution) => execution.status)).toEqual(ended.map(() => 'ENDED_SUCCESS'));
    // Each ran in one attempt only: none was taken over and replayed.
    expect(ended.filter((execution) => execution.attempts !== 1)).toEqual([]);
    for (const flood of floods) expect(await listLogs(db, flood.id, { limit: 30_000 })).toHaveLength(25_000);
  }, 200_000);
});
