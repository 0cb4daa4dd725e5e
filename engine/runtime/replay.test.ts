/**
 * Replay that cannot go silently wrong (docs/engine.md §4): a durable sleep resumes by replaying the
 * handler from the top, and the replay must see what the first run saw, or fail loudly.
 */
import { describe, expect, it } from 'vitest';
import { RETURNS_INPUT, setUpEngineTestbed } from '../../test/engine-testbed';
import { listLogs } from '../store/logs';
import { requestHash } from './host/journal';
import { defineFlow, waitForEnd, waitUntil } from './testing';

const { db, run, runToEnd } = await setUpEngineTestbed({
  flows: {
    echo: RETURNS_INPUT,
    'slow-echo': `export default async function handler(this: any) { await this.sleep(0.6); return this.input; }`,
  },
});

/** Waits until the execution sleeps durably (its first run is over; the next one is a replay). */
const untilWaiting = (id: string) =>
  waitUntil(async () => {
    const row = await db.selectFrom('executions').select('status').where('id', '=', id).executeTakeFirst();
    return row?.status === 'WAITING';
  });

const stepsOf = (id: string) =>
  db
    .selectFrom('execution_steps')
    .select(['seq', 'kind', 'status'])
    .where('execution_id', '=', id)
    .orderBy('seq')
    .execute();

describe('the clock and randomness on replay', () => {
  it('read the time the first run read: Date.now() across a durable sleep moves by the sleep', async () => {
    const ended = await runToEnd(
      'clock',
      `export default async function handler(this: any) {
        const t = Date.now();
        const before = new Date();
        await this.sleep(2);
        return { elapsed: Date.now() - t, sameStart: before.getTime() === t };
      }`,
    );
    expect(ended.status).toBe('ENDED_SUCCESS');
    const output = ended.output as { elapsed: number; sameStart: boolean };
    expect(output.elapsed).toBeGreaterThanOrEqual(2000);
    expect(output.elapsed).toBeLessThan(60_000);
    expect(output.sameStart).toBe(true);
  });

  it('give a replay the random picks, UUIDs and dates of the first run, so a branch on them stays the same', async () => {
    const ended = await runToEnd(
      'pick',
      `export default async function handler(this: any) {
        const picked = { n: Math.random(), uuid: crypto.randomUUID(), at: new Date().toISOString(),
          bytes: Array.from(crypto.getRandomValues(new Uint8Array(4))) };
        const echoed = await this.flow(picked.n < 0.5 ? 'echo' : 'slow-echo', picked);
        await this.sleep(2);
        return { picked, echoed: echoed.output };
      }`,
    );
    expect(ended.status).toBe('ENDED_SUCCESS');
    const output = ended.output as { picked: unknown; echoed: unknown };
    expect(output.echoed).toEqual(output.picked);
  });

  it('ends a busy wait on the clock at once with an error pointing to this.sleep()', async () => {
    const ended = await runToEnd(
      'busy',
      `export default async function handler(this: any) {
        const t = Date.now();
        while (Date.now() - t < 4000) {}
        return 'waited';
      }`,
    );
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.name).toBe('BusyWaitError');
    expect(ended.error?.message).toContain('this.sleep(');
  });
});

describe('a replay that takes another way', () => {
  it('ends ENDED_ERROR with NondeterminismError naming the step, what was recorded and what was asked', async () => {
    await defineFlow(
      db,
      'asks-again',
      `export default async function handler(this: any) {
        const answer = await this.flow('echo', 'a');
        await this.sleep(2);
        return answer.output;
      }`,
    );
    const started = await run('asks-again');
    await untilWaiting(started.id);
    // As if the first run had asked for another flow: the replay now asks for something else.
    const [step] = await db
      .selectFrom('execution_steps')
      .selectAll()
      .where('execution_id', '=', started.id)
      .where('seq', '=', 1)
      .execute();
    const recorded = { ...(step?.request as Record<string, unknown>), flow: 'elsewhere' };
    await db
      .updateTable('execution_steps')
      .set({ request: JSON.stringify(recorded), request_hash: requestHash('child.start', recorded) })
      .where('execution_id', '=', started.id)
      .where('seq', '=', 1)
      .execute();
    const ended = await waitForEnd(db, started.id);
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.name).toBe('NondeterminismError');
    expect(ended.error?.message).toContain('step 1');
    expect(ended.error?.message).toContain('"elsewhere"');
    expect(ended.error?.message).toContain('"echo"');
    // The user's own line of the call that went astray.
    expect(ended.error?.stack).toMatch(/asks-again\.ts:2/);
  });

  it('ends with NondeterminismError when the replay ends before a step the journal recorded', async () => {
    await defineFlow(
      db,
      'ends-early',
      `export default async function handler(this: any) {
        await this.sleep(2);
        return 'ok';
      }`,
    );
    const started = await run('ends-early');
    await untilWaiting(started.id);
    await db
      .insertInto('execution_steps')
      .values({
        execution_id: started.id,
        seq: 2,
        kind: 'setting.get',
        request: JSON.stringify({ name: 'x' }),
        request_hash: requestHash('setting.get', { name: 'x' }),
        status: 'SUCCEEDED',
        result: JSON.stringify(1),
        ended_at: new Date(),
      })
      .execute();
    const ended = await waitForEnd(db, started.id);
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.name).toBe('NondeterminismError');
    expect(ended.error?.message).toContain('step 2');
  });

  it('shifts no step when a replay logs a line less, and writes no line twice', async () => {
    const ended = await runToEnd(
      'logs-less',
      `export default async function handler(this: any) {
        await this.log('first');
        let late = false;
        setTimeout(() => { late = true; }, 200);
        await this.flow('slow-echo', 1);   // 0.6 s on the first run, at once on a replay
        if (late) await this.log('late');  // so only the first run logs this
        await this.sleep(2);
        await this.log('last');
        return 'done';
      }`,
    );
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'done' });
    expect(await stepsOf(ended.id)).toEqual([
      { seq: 1, kind: 'child.start', status: 'SUCCEEDED' },
      { seq: 2, kind: 'sleep', status: 'SUCCEEDED' },
    ]);
    expect((await listLogs(db, ended.id)).map((line) => line.message)).toEqual(['first', 'late', 'last']);
  });
});

describe('calls made at once, and timers', () => {
  it('take the same course on replay: answers arrive in the order the first run received them', async () => {
    const ended = await runToEnd(
      'branches',
      `export default async function handler(this: any, system: any) {
        const chain = async (seconds: number, name: string) => {
          await this.sleep(seconds);
          try { await system.flow(name); } catch { /* no such flow: the step is what counts */ }
          return name;
        };
        const order = await Promise.all([chain(0.5, 'a-missing'), chain(0.1, 'b-missing')]);
        await this.sleep(1.5);
        return order;
      }`,
    );
    expect(ended.error).toBeNull();
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: ['a-missing', 'b-missing'] });
  });

  it('fire on replay where they fired in the first run, relative to the answers', async () => {
    const ended = await runToEnd(
      'timer-race',
      `export default async function handler(this: any, system: any) {
        const first = await Promise.race([
          new Promise((resolve) => setTimeout(() => resolve('timer'), 100)),
          this.sleep(0.5).then(() => 'sleep'),
        ]);
        await system.setting('race-' + this.id).save(first);
        await this.sleep(1.5);
        return first;
      }`,
    );
    expect(ended.error).toBeNull();
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'timer' });
  });

  it('give an asynchronous child start no time of its own, on the first run as on replay', async () => {
    const ended = await runToEnd(
      'async-clock',
      `export default async function handler(this: any, system: any) {
        await this.flow('echo', 1, { wait: false });
        await system.setting('clock-' + this.id).save(Date.now());
        await this.sleep(1.5);
        return 'ok';
      }`,
    );
    expect(ended.error).toBeNull();
    expect(ended.status).toBe('ENDED_SUCCESS');
  });
});

describe('log lines before a durable sleep', () => {
  it('are written before the execution waits', async () => {
    await defineFlow(
      db,
      'log-then-sleep',
      `export default async function handler(this: any) {
        this.log('before');
        await this.sleep(30);
      }`,
    );
    const started = await run('log-then-sleep');
    await untilWaiting(started.id);
    expect((await listLogs(db, started.id)).map((line) => line.message)).toEqual(['before']);
  });
});

describe('short sleeps', () => {
  it('are journaled, so a replay passes the finished ones at once', async () => {
    const ended = await runToEnd(
      'naps',
      `export default async function handler(this: any) {
        const start = Date.now();
        for (let i = 0; i < 3; i++) await this.sleep(0.5);
        const children = [];
        for (let i = 0; i < 3; i++) children.push(await this.flow('slow-echo', i, { wait: false }));
        await this.waitFor(children);
        return Date.now() - start;
      }`,
    );
    expect(ended.status).toBe('ENDED_SUCCESS');
    expect(ended.output).toBeGreaterThanOrEqual(1500);
    const steps = await stepsOf(ended.id);
    expect(steps.filter((step) => step.kind === 'sleep')).toEqual([
      { seq: 1, kind: 'sleep', status: 'SUCCEEDED' },
      { seq: 2, kind: 'sleep', status: 'SUCCEEDED' },
      { seq: 3, kind: 'sleep', status: 'SUCCEEDED' },
    ]);
  });
});
