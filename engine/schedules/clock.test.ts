import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUpEngineTestbed } from '../../test/engine-testbed';
import { createGraphFlow, saveGraphFlow } from '../flows/graph-flows';
import type { GraphInput } from '../graph/model';
import type { ScheduleParams } from '../nodes/schedule';
import { sendTickJob, TICK_QUEUE, type TickJob } from '../queue/boss';
import { spawnWorker, waitForEnd, waitUntil, type WorkerProcess } from '../runtime/testing';
import type { Execution } from '../store/database';
import { getFlowByName } from '../store/flows';
import { ScheduleClock, type TickInput } from './clock';

// Schedules on the real engine: worker processes with their clocks, and clocks in this process beside
// them (as the app processes run them), all on one PostgreSQL.
const { db, boss, url } = await setUpEngineTestbed({
  worker: false,
  flows: {
    slow: `export default async function handler(this: any) { await new Promise((r) => setTimeout(r, 2500)); return 'slept'; }`,
  },
});
const workers: WorkerProcess[] = [];
const clocks: ScheduleClock[] = [];

beforeAll(async () => {
  for (let n = 0; n < 2; n++) workers.push(spawnWorker(url));
  await Promise.all(workers.map((worker) => worker.ready));
  for (let n = 0; n < 2; n++) clocks.push(await ScheduleClock.start({ db, boss }));
});

afterAll(async () => {
  await Promise.all(clocks.map((clock) => clock.stop()));
  await Promise.all(workers.map((worker) => worker.stop()));
});

/** A graph flow: schedule → (the slow child flow, when asked) → end. */
function scheduled(params: ScheduleParams, slow = false): GraphInput {
  return {
    nodes: [
      { id: 'tick', type: 'schedule', params },
      ...(slow ? [{ id: 'nap', type: 'flow', params: { flow: 'slow' } }] : []),
      {
        id: 'done',
        type: 'end',
        params: { status: 'success', output: { at: '{{ input.scheduled_at }}' } },
      },
    ],
    edges: slow
      ? [
          { source: 'tick', target: 'nap' },
          { source: 'nap', target: 'done' },
        ]
      : [{ source: 'tick', target: 'done' }],
  };
}

async function saveSchedule(name: string, params: ScheduleParams, slow = false): Promise<void> {
  const flow = await getFlowByName(db, name).catch(() => undefined);
  if (!flow) await createGraphFlow(db, { name, graph: scheduled(params, slow), userId: null });
  else
    await saveGraphFlow(db, {
      flowId: flow.id,
      flowName: name,
      graph: scheduled(params, slow),
      userId: null,
    });
}

async function scheduleOf(flow: string) {
  return db
    .selectFrom('schedules')
    .innerJoin('flows', 'flows.id', 'schedules.flow_id')
    .selectAll('schedules')
    .where('flows.name', '=', flow)
    .executeTakeFirstOrThrow();
}

async function ticksOf(scheduleId: string) {
  return db
    .selectFrom('schedule_ticks')
    .selectAll()
    .where('schedule_id', '=', scheduleId)
    .orderBy('fire_at')
    .execute();
}

async function scheduleExecutions(scheduleId: string): Promise<Execution[]> {
  return db
    .selectFrom('executions')
    .selectAll()
    .where('type', '=', 'SCHEDULE')
    .where(sql<boolean>`started_by->>'id' = ${scheduleId}`)
    .orderBy('created_at')
    .execute();
}

describe('a schedule every second, four clocks (two worker processes, two in this process)', () => {
  it('runs each second exactly once, each tick a SCHEDULE execution with its FLOW child, until disabled', async () => {
    await saveSchedule('every-second', { cron: '* * * * * *', overlap: 'allow', enabled: true });
    const schedule = await scheduleOf('every-second');
    await waitUntil(async () => (await ticksOf(schedule.id)).length >= 6, 30_000);
    await saveSchedule('every-second', { cron: '* * * * * *', overlap: 'allow', enabled: false });
    const disabledAt = Date.now();

    const ticks = await ticksOf(schedule.id);
    expect(ticks.every((tick) => tick.outcome === 'started')).toBe(true);
    // N ticks in N seconds: every whole second between the first and the last, none twice.
    const seconds = ticks.map((tick) => tick.fire_at.getTime() / 1000);
    expect(seconds.every(Number.isInteger)).toBe(true);
    expect(seconds).toEqual(seconds.map((_, at) => (seconds[0] as number) + at));

    const parents = await scheduleExecutions(schedule.id);
    expect(parents.map((parent) => parent.id).sort()).toEqual(ticks.map((tick) => tick.execution_id).sort());
    for (const tick of ticks) {
      const child = await waitForEnd(db, tick.flow_execution_id as string);
      const input = child.input as TickInput;
      expect(child).toMatchObject({ type: 'FLOW', status: 'ENDED_SUCCESS', node_id: 'tick' });
      expect(input).toEqual({
        scheduled_at: tick.fire_at.toISOString(),
        schedule: { id: schedule.id, node: 'tick', cron: '* * * * * *', timezone: 'UTC' },
      });
      expect(child.output).toEqual({ at: tick.fire_at.toISOString() });
      // The SCHEDULE row ends with its child.
      const parent = await waitForEnd(db, tick.execution_id as string);
      expect(parent).toMatchObject({ type: 'SCHEDULE', status: 'ENDED_SUCCESS', parent_id: null });
    }

    // Disabled: nothing after the save (a tick already being handled may still land within a second).
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const after = (await ticksOf(schedule.id)).filter((tick) => tick.fire_at.getTime() > disabledAt + 1000);
    expect(after).toEqual([]);
  });
});

describe('overlap', () => {
  it('skip: a tick while the last run still goes is recorded as skipped, with the reason; runs never overlap', async () => {
    await saveSchedule('slow-every-second', { cron: '* * * * * *', enabled: true }, true);
    const schedule = await scheduleOf('slow-every-second');
    await waitUntil(
      async () => (await ticksOf(schedule.id)).filter((tick) => tick.outcome === 'started').length >= 2,
      40_000,
    );
    await saveSchedule('slow-every-second', { cron: '* * * * * *', enabled: false }, true);
    const ticks = await ticksOf(schedule.id);
    const skipped = ticks.filter((tick) => tick.outcome === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]?.reason).toMatch(/^the run of the tick at .* \(execution .*\) was still going$/);
    const runs = await Promise.all(
      ticks
        .filter((tick) => tick.outcome === 'started')
        .map((tick) => waitForEnd(db, tick.flow_execution_id as string)),
    );
    for (let at = 1; at < runs.length; at++) {
      expect((runs[at] as Execution).created_at.getTime()).toBeGreaterThanOrEqual(
        (runs[at - 1] as Execution).ended_at?.getTime() as number,
      );
    }
  });
});

describe('exactly once, whatever delivers a tick', () => {
  it('the same tick job delivered many times, to several clocks at once, starts one run', async () => {
    await saveSchedule('hourly', { cron: '0 * * * *', enabled: true });
    const schedule = await waitUntil(async () => {
      const row = await scheduleOf('hourly');
      return row.armed_generation === row.generation && row.next_fire_at ? row : undefined;
    });
    // As if the hour had come: its job, many times over.
    const due = new Date(Math.floor(Date.now() / 1000) * 1000);
    await db.updateTable('schedules').set({ next_fire_at: due }).where('id', '=', schedule.id).execute();
    const job = { scheduleId: schedule.id, generation: schedule.generation, fireAt: due.toISOString() };
    await Promise.all(clocks.flatMap((clock) => [1, 2, 3].map(() => clock.handleTick(job))));
    await db.transaction().execute((trx) => sendTickJob(boss, trx, job));

    const ticks = await ticksOf(schedule.id);
    expect(ticks.map((tick) => [tick.fire_at.toISOString(), tick.outcome])).toEqual([
      [due.toISOString(), 'started'],
    ]);
    expect(await scheduleExecutions(schedule.id)).toHaveLength(1);
    // The next tick is armed for the next hour.
    const next = await scheduleOf('hourly');
    expect(next.next_fire_at?.getTime()).toBe(due.getTime() - (due.getTime() % 3_600_000) + 3_600_000);
    await saveSchedule('hourly', { cron: '0 * * * *', enabled: false });
  });

  it('a job of an older timing (the cron changed) does nothing', async () => {
    await saveSchedule('changing', { cron: '0 * * * *', enabled: true });
    const before = await waitUntil(async () => {
      const row = await scheduleOf('changing');
      return row.armed_generation === row.generation ? row : undefined;
    });
    await saveSchedule('changing', { cron: '30 * * * *', enabled: true });
    const job = {
      scheduleId: before.id,
      generation: before.generation,
      fireAt: (before.next_fire_at as Date).toISOString(),
    };
    await clocks[0]?.handleTick(job);
    expect(await ticksOf(before.id)).toEqual([]);
    const after = await waitUntil(async () => {
      const row = await scheduleOf('changing');
      return row.armed_generation === row.generation ? row : undefined;
    });
    expect(after.generation).toBe(before.generation + 1);
    expect(new Date(after.next_fire_at as Date).getUTCMinutes()).toBe(30);
    await saveSchedule('changing', { cron: '30 * * * *', enabled: false });
  });
});

describe('missed ticks (everything was down)', () => {
  /** As a clock that died an hour ago left it: its tick job due an hour ago, handled only now. */
  async function downForAnHour(flow: string, params: ScheduleParams) {
    await saveSchedule(flow, params);
    const armed = await waitUntil(async () => {
      const row = await scheduleOf(flow);
      return row.armed_generation === row.generation ? row : undefined;
    });
    const due = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000);
    await db.updateTable('schedules').set({ next_fire_at: due }).where('id', '=', armed.id).execute();
    await clocks[0]?.handleTick({
      scheduleId: armed.id,
      generation: armed.generation,
      fireAt: due.toISOString(),
    });
    return { schedule: armed, due };
  }

  it('is recorded as missed and not run late', async () => {
    const { schedule, due } = await downForAnHour('missed-none', { cron: '*/10 * * * *', enabled: true });
    const ticks = await ticksOf(schedule.id);
    expect(ticks.map((tick) => [tick.fire_at.toISOString(), tick.outcome])).toEqual([
      [due.toISOString(), 'missed'],
    ]);
    expect(ticks[0]?.reason).toMatch(/^missed: nothing ran the ticks from .* to .* in time/);
    expect(await scheduleExecutions(schedule.id)).toEqual([]);
    expect((await scheduleOf('missed-none')).next_fire_at?.getTime()).toBeGreaterThan(Date.now());
    await saveSchedule('missed-none', { cron: '*/10 * * * *', enabled: false });
  });

  it('catch_up last: the last missed tick runs once, late', async () => {
    const { schedule, due } = await downForAnHour('missed-last', {
      cron: '*/10 * * * *',
      catch_up: 'last',
      enabled: true,
    });
    const ticks = await ticksOf(schedule.id);
    expect(ticks.map((tick) => tick.outcome)).toEqual(['missed', 'started']);
    expect(ticks[0]?.fire_at.toISOString()).toBe(due.toISOString());
    const last = ticks[1]?.fire_at as Date;
    expect(last.getTime()).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - last.getTime()).toBeLessThan(600_000);
    expect(last.getUTCMinutes() % 10).toBe(0);
    const runs = await scheduleExecutions(schedule.id);
    expect(runs).toHaveLength(1);
    const child = await waitForEnd(db, ticks[1]?.flow_execution_id as string);
    expect((child.input as TickInput).scheduled_at).toBe(last.toISOString());
    await saveSchedule('missed-last', { cron: '*/10 * * * *', enabled: false });
  });
});

describe('many schedules, and a bad one', () => {
  it('sixty schedules due at the same second all run on time (none missed), each once', async () => {
    const count = 60;
    await createGraphFlow(db, {
      name: 'many-at-nine',
      graph: {
        nodes: [
          ...Array.from({ length: count }, (_, at) => ({
            id: `at_${at}`,
            type: 'schedule',
            params: { cron: '0 9 * * *', overlap: 'allow', enabled: true },
          })),
          { id: 'done', type: 'end', params: { status: 'success' } },
        ],
        edges: Array.from({ length: count }, (_, at) => ({ source: `at_${at}`, target: 'done' })),
      },
      userId: null,
    });
    const flow = await getFlowByName(db, 'many-at-nine');
    const armed = await waitUntil(async () => {
      const rows = await db.selectFrom('schedules').selectAll().where('flow_id', '=', flow.id).execute();
      return rows.length === count && rows.every((row) => row.armed_generation === row.generation) && rows;
    });
    // Nine o'clock comes for all of them at once.
    const due = new Date(Math.floor(Date.now() / 1000) * 1000);
    await db.updateTable('schedules').set({ next_fire_at: due }).where('flow_id', '=', flow.id).execute();
    await db.transaction().execute(async (trx) => {
      for (const row of armed)
        await sendTickJob(boss, trx, {
          scheduleId: row.id,
          generation: row.generation,
          fireAt: due.toISOString(),
        });
    });
    const ticks = await waitUntil(async () => {
      const rows = await db
        .selectFrom('schedule_ticks')
        .selectAll()
        .where(
          'schedule_id',
          'in',
          armed.map((row) => row.id),
        )
        .execute();
      return rows.length === count && rows;
    }, 30_000);
    expect(
      ticks.every((tick) => tick.outcome === 'started' && tick.fire_at.getTime() === due.getTime()),
    ).toBe(true);
    const runs = await db
      .selectFrom('executions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('type', '=', 'SCHEDULE')
      .where('name', 'like', 'many-at-nine:%')
      .executeTakeFirstOrThrow();
    expect(Number(runs.n)).toBe(count);
    await db.deleteFrom('flows').where('id', '=', flow.id).execute();
  });

  it('a stored schedule whose cron cannot be evaluated stays unarmed and holds up no other', async () => {
    const bad = await getFlowByName(db, 'every-second');
    await db
      .insertInto('schedules')
      .values({
        flow_id: bad.id,
        node_id: 'from_an_old_version',
        cron: '61 * * * *',
        timezone: 'UTC',
        overlap: 'skip',
        catch_up: 'none',
        enabled: true,
      })
      .execute();
    await saveSchedule('after-the-bad-one', { cron: '0 0 * * *', enabled: true });
    const good = await waitUntil(async () => {
      const row = await scheduleOf('after-the-bad-one');
      return row.armed_generation === row.generation && row;
    });
    expect(good.next_fire_at).not.toBeNull();
    const badRow = await db
      .selectFrom('schedules')
      .selectAll()
      .where('node_id', '=', 'from_an_old_version')
      .executeTakeFirstOrThrow();
    expect([badRow.armed_generation, badRow.next_fire_at]).toEqual([badRow.generation, null]);
    await db.deleteFrom('schedules').where('id', '=', badRow.id).execute();
    await saveSchedule('after-the-bad-one', { cron: '0 0 * * *', enabled: false });
  });
});

describe('restarts', () => {
  it('every clock and worker gone for a few seconds: the schedule goes on where it was, no tick twice or lost', async () => {
    await saveSchedule('survivor', { cron: '* * * * * *', overlap: 'allow', enabled: true });
    const schedule = await scheduleOf('survivor');
    await waitUntil(async () => (await ticksOf(schedule.id)).length >= 2, 30_000);
    // Everything stops: the in-process clocks, and both worker processes crash.
    await Promise.all(clocks.splice(0).map((clock) => clock.stop()));
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    const down = (await ticksOf(schedule.id)).length;
    // The worst moment: a clock had fetched the next tick's job and died before handling it (the job
    // stays active in pg-boss until it expires). The reconcile pass must find the tick overdue.
    const held = await waitUntil(async () => {
      const jobs = await boss.fetch<TickJob>(TICK_QUEUE, { batchSize: 10 });
      return jobs.some((job) => job.data.scheduleId === schedule.id) && jobs;
    }, 10_000);
    expect(held.length).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await ticksOf(schedule.id)).length).toBe(down);
    // One worker comes back: the chain is in PostgreSQL, so it resumes (the seconds it was down are
    // within the misfire threshold: late, but run).
    const back = spawnWorker(url);
    workers.push(back);
    await back.ready;
    await waitUntil(async () => (await ticksOf(schedule.id)).length >= down + 6, 30_000);
    await saveSchedule('survivor', { cron: '* * * * * *', overlap: 'allow', enabled: false });
    const seconds = (await ticksOf(schedule.id)).map((tick) => tick.fire_at.getTime() / 1000);
    expect(seconds).toEqual(seconds.map((_, at) => (seconds[0] as number) + at));
  });
});

describe('the schedules table follows the current version', () => {
  it('removing the node removes the schedule; a code flow has none', async () => {
    await saveSchedule('removable', { cron: '0 0 * * *', enabled: true });
    const flow = await getFlowByName(db, 'removable');
    await saveGraphFlow(db, {
      flowId: flow.id,
      flowName: 'removable',
      graph: {
        nodes: [
          { id: 'hook', type: 'webhook', params: { name: 'removable-hook' } },
          { id: 'done', type: 'end', params: { status: 'success' } },
        ],
        edges: [{ source: 'hook', target: 'done' }],
      },
      userId: null,
    });
    const left = await db.selectFrom('schedules').selectAll().where('flow_id', '=', flow.id).execute();
    expect(left).toEqual([]);
  });
});
