/**
 * Group commit of ends (EndGroup): ends asked for while another is being written go out together, and
 * each still gets its own outcome.
 */
import { describe, expect, it } from 'vitest';
import { insertTestExecution, setUpEngineTestbed } from '../../test/engine-testbed';
import { getExecutions } from '../store/executions';
import { EndGroup } from './finish';

const { db, boss } = await setUpEngineTestbed({ worker: false });

/** A RUNNING execution claimed by attempt 1, as a run holds it. */
const running = (values: Parameters<typeof insertTestExecution>[1] = {}) =>
  insertTestExecution(db, { status: 'RUNNING', attempts: 1, ...values });

describe('EndGroup', () => {
  it('gives every end of a group its own outcome: ended, refused by the database, or no longer owned', async () => {
    const group = new EndGroup({ db, boss });
    const [first, second, stale, refused, failed] = await Promise.all([
      running(),
      running(),
      running({ attempts: 2 }),
      running(),
      running(),
    ]);
    const child = await insertTestExecution(db, {
      status: 'PENDING',
      parent_id: failed!.id,
      root_id: failed!.id,
    });
    // The first is written at once; the others wait for it and go out as one group.
    const outcomes = await Promise.allSettled([
      group.end(first!, 1, { status: 'ENDED_SUCCESS', output: 1 }),
      group.end(second!, 1, { status: 'ENDED_SUCCESS', output: 2 }),
      group.end(stale!, 1, { status: 'ENDED_SUCCESS', output: 3 }),
      // jsonb holds no \u0000: this one end fails, and only it.
      group.end(refused!, 1, { status: 'ENDED_SUCCESS', output: 'nul \u0000' }),
      group.end(failed!, 1, {
        status: 'ENDED_ERROR',
        message: 'broke',
        error: { name: 'Error', message: 'broke' },
      }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const values = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : undefined));
    expect(values[0]).toMatchObject({ id: first!.id, status: 'ENDED_SUCCESS', output: 1 });
    expect(values[1]).toMatchObject({ id: second!.id, status: 'ENDED_SUCCESS', output: 2 });
    expect(values[2]).toBeUndefined();
    expect(values[4]).toMatchObject({ id: failed!.id, status: 'ENDED_ERROR', message: 'broke' });

    const rows = new Map(
      (await getExecutions(db, [stale!.id, refused!.id, child.id])).map((row) => [row.id, row]),
    );
    expect(rows.get(stale!.id)?.status).toBe('RUNNING');
    expect(rows.get(refused!.id)?.status).toBe('RUNNING');
    // What the failed execution left unfinished below it was cancelled with it.
    expect(rows.get(child.id)?.status).toBe('ENDED_CANCELLED');
  });
});
