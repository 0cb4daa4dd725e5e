/**
 * Side effects of a stale run are fenced (docs/engine.md §5): every write a run makes names its
 * attempt, and none lands once another attempt owns the execution or it is no longer running.
 */
import { describe, expect, it } from 'vitest';
import { insertTestExecution, RETURNS_INPUT, setUpEngineTestbed } from '../../test/engine-testbed';
import {
  getChildren,
  mapFenceErrors,
  saveOwnFields,
  setOutputKey,
  StaleRunError,
  type Fence,
} from '../store/executions';
import { appendRunLogs, listLogs } from '../store/logs';
import { saveSetting } from '../store/settings';
import { recordStep } from '../store/steps';
import { requestHash } from './host/journal';
import { startExecution, startExecutions } from './start';
import { defineFlow, waitUntil } from './testing';

const { db, boss } = await setUpEngineTestbed({ flows: { quick: RETURNS_INPUT } });

/** A RUNNING execution whose current attempt is 2: a fence naming attempt 1 is a stale run's. */
async function runningParent(): Promise<{ id: string; stale: Fence; current: Fence }> {
  const { id } = await insertTestExecution(db, {
    name: 'parent',
    status: 'RUNNING',
    attempts: 2,
    worker_id: 'elsewhere',
    lease_until: new Date(Date.now() + 60_000),
  });
  return { id, stale: { executionId: id, attempt: 1 }, current: { executionId: id, attempt: 2 } };
}

const childOf = (parent: { id: string }, fence: Fence, seq: number, status: 'STARTED' | 'SUCCEEDED') => ({
  flow: { name: 'quick' },
  input: seq,
  startedBy: { kind: 'parent' as const, id: parent.id },
  parent: {
    id: parent.id,
    rootId: parent.id,
    depth: 0,
    isProductive: true,
    fence,
    step: {
      seq,
      kind: 'child.start',
      request: { seq },
      requestHash: requestHash('child.start', { seq }),
      status,
    },
  },
});

describe("a stale run's writes", () => {
  it('create no child: inline, queued or in a batch', async () => {
    const parent = await runningParent();
    const inline = { kind: 'inline' as const, workerId: 'here', leaseMs: 4000 };
    await expect(
      startExecution({ db, boss }, { ...childOf(parent, parent.stale, 1, 'STARTED'), mode: inline }),
    ).rejects.toBeInstanceOf(StaleRunError);
    await expect(
      startExecution({ db, boss }, childOf(parent, parent.stale, 2, 'SUCCEEDED')),
    ).rejects.toBeInstanceOf(StaleRunError);
    await expect(
      startExecutions({ db, boss }, [
        { ...childOf(parent, parent.stale, 3, 'SUCCEEDED'), id: crypto.randomUUID() },
      ]),
    ).rejects.toBeInstanceOf(StaleRunError);
    expect(await getChildren(db, parent.id)).toEqual([]);
    // The current attempt's do land.
    await startExecution({ db, boss }, childOf(parent, parent.current, 4, 'SUCCEEDED'));
    expect(await getChildren(db, parent.id)).toHaveLength(1);
  });

  it('record no journal step, no log line, no output', async () => {
    const parent = await runningParent();
    const step = { seq: 1, kind: 'setting.get', request: {}, requestHash: 'h', status: 'SUCCEEDED' as const };
    await expect(mapFenceErrors(() => recordStep(db, parent.stale, step))).rejects.toBeInstanceOf(
      StaleRunError,
    );
    await expect(
      mapFenceErrors(() =>
        appendRunLogs(db, parent.stale, [{ seq: 0, line: 1, level: 'info', message: 'x' }]),
      ),
    ).rejects.toBeInstanceOf(StaleRunError);
    expect(await saveOwnFields(db, parent.stale, { output: 'stale' })).toBe(false);
    expect(await setOutputKey(db, parent.stale, 'k', 'stale', 1024)).toBeUndefined();
    expect(await listLogs(db, parent.id)).toEqual([]);
    await recordStep(db, parent.current, step);
    expect(await saveOwnFields(db, parent.current, { output: 'current' })).toBe(true);
  });

  it('stop the run at once: a run whose attempt moved on while it ran starts no child', async () => {
    await defineFlow(
      db,
      'goes-on',
      `export default async function handler(this: any, system: any) {
        for (;;) {
          try { await system.setting('go-' + this.id).get(); break; } catch { await this.sleep(0.05); }
        }
        await this.flow('quick', 'after', { wait: false });
        return 'done';
      }`,
    );
    const started = await startExecution(
      { db, boss },
      { flow: { name: 'goes-on' }, startedBy: { kind: 'system' } },
    );
    await waitUntil(async () => {
      const row = await db
        .selectFrom('executions')
        .select('status')
        .where('id', '=', started.id)
        .executeTakeFirst();
      return row?.status === 'RUNNING';
    });
    // Another worker took it over (a new attempt) while this run still runs.
    await db
      .updateTable('executions')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        worker_id: 'another-worker',
        lease_until: new Date(Date.now() + 600_000),
      }))
      .where('id', '=', started.id)
      .execute();
    await saveSetting(db, `go-${started.id}`, true);
    // Time for the stale run to have gone on, had nothing stopped it.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await getChildren(db, started.id)).toEqual([]);
    const row = await db
      .selectFrom('executions')
      .selectAll()
      .where('id', '=', started.id)
      .executeTakeFirstOrThrow();
    expect(row.status).toBe('RUNNING');
    expect(row.output).toBeNull();
  });
});
