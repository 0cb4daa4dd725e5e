import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { insertTestExecution } from '../../test/engine-testbed';
import { foldNodeReport, type NodeReport } from '../runtime/host/nodes';
import { cancelExecution } from '../runtime/finish';
import { startBoss } from '../queue/boss';
import { listExecutionNodes, writeNodeRecords, type NodeRecordWrite } from './execution-nodes';
import { mapFenceErrors, StaleRunError } from './executions';

const { db, url } = await createTestDatabase();
const boss = await startBoss(url);
afterAll(() => boss.stop({ graceful: false }));

/** A batch of reports folded as the NodeWriter folds them, one report a millisecond apart. */
function fold(reports: NodeReport[], start = Date.UTC(2026, 0, 1)): NodeRecordWrite[] {
  const records = new Map<string, NodeRecordWrite>();
  reports.forEach((report, index) =>
    records.set(report.id, foldNodeReport(records.get(report.id), report, new Date(start + index))),
  );
  return [...records.values()];
}

async function runningExecution() {
  return insertTestExecution(db, { status: 'RUNNING', attempts: 1, started_at: new Date() });
}

describe('node records', () => {
  it('fold a batch: the first start stays, attempts is the highest, an ended record takes no later report', () => {
    const [record] = fold([
      { id: 'n', state: 'running', attempt: 1 },
      { id: 'n', state: 'running', attempt: 2 },
      { id: 'n', state: 'error', attempt: 2, error: { name: 'Error', message: 'no' } },
      { id: 'n', state: 'success', attempt: 3 },
    ]);
    expect(record).toMatchObject({ status: 'error', attempts: 2, error: { message: 'no' } });
    expect(record?.startedAt?.getTime()).toBe(Date.UTC(2026, 0, 1));
    expect(record?.endedAt?.getTime()).toBe(Date.UTC(2026, 0, 1) + 2);
  });

  it("take a replay's reports as repeats: an ended record never changes, a running one keeps its start", async () => {
    const execution = await runningExecution();
    const fence = { executionId: execution.id, attempt: 1 };
    const first = Date.UTC(2026, 0, 1);
    await writeNodeRecords(db, fence, [
      ...fold(
        [
          { id: 'done', state: 'running', attempt: 1 },
          { id: 'done', state: 'success', output: 1 },
        ],
        first,
      ),
      ...fold([{ id: 'busy', state: 'running', attempt: 2 }], first),
    ]);
    // The replay reports both again, later, with other values.
    const later = first + 60_000;
    await writeNodeRecords(db, fence, [
      ...fold(
        [
          { id: 'done', state: 'running', attempt: 1 },
          { id: 'done', state: 'success', output: 2 },
        ],
        later,
      ),
      ...fold([{ id: 'busy', state: 'running', attempt: 1 }], later),
    ]);
    const records = Object.fromEntries(
      (await listExecutionNodes(db, execution.id)).map((r) => [r.node_id, r]),
    );
    expect(records.done).toMatchObject({ status: 'success', output: 1, attempts: 1 });
    expect(records.done?.ended_at?.getTime()).toBe(first + 1);
    expect(records.busy).toMatchObject({ status: 'running', attempts: 2, ended_at: null });
    expect(records.busy?.started_at?.getTime()).toBe(first);
  });

  it('are written only while the run owns its execution', async () => {
    const execution = await runningExecution();
    const stale = { executionId: execution.id, attempt: 2 };
    await expect(
      mapFenceErrors(() => writeNodeRecords(db, stale, fold([{ id: 'n', state: 'running', attempt: 1 }]))),
    ).rejects.toThrow(StaleRunError);
    expect(await listExecutionNodes(db, execution.id)).toEqual([]);
  });

  it('still running when their execution ends (here: cancelled) become cancelled; ended ones stay', async () => {
    const execution = await runningExecution();
    await writeNodeRecords(db, { executionId: execution.id, attempt: 1 }, [
      ...fold([{ id: 'busy', state: 'running', attempt: 1 }]),
      ...fold([{ id: 'skipped', state: 'skipped' }]),
    ]);
    await cancelExecution({ db, boss }, execution.id);
    const records = Object.fromEntries(
      (await listExecutionNodes(db, execution.id)).map((r) => [r.node_id, r]),
    );
    expect(records.busy?.status).toBe('cancelled');
    expect(records.busy?.ended_at).not.toBeNull();
    expect(records.skipped?.status).toBe('skipped');
  });
});
