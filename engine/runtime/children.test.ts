import { describe, expect, it } from 'vitest';
import { RETURNS_INPUT, setUpEngineTestbed } from '../../test/engine-testbed';
import { getExecution, isEnded } from '../store/executions';
import { cancelExecution } from './finish';
import { startExecution } from './start';
import { defineFlow, treeOf, waitForEnd, waitUntil } from './testing';

// Two slots only: deep and wide trees must still finish (no slot held by a waiting parent).
const { db, boss, run } = await setUpEngineTestbed({
  workerEnv: { WORKER_CONCURRENCY: '2' },
  flows: {
    quick: RETURNS_INPUT,
    fails: `export default async function handler(this: any) { throw new Error('boom ' + this.input); }`,
    slowly: `export default async function handler(this: any) { await this.sleep(30); return 'late'; }`,
  },
});

describe('a failing child', () => {
  it('raises DependencyFailedError in the parent, which can catch it and succeed', async () => {
    await defineFlow(
      db,
      'catches',
      `export default async function handler(this: any) {
        try {
          await this.flow('fails', 'inside');
          return this.error('not reached');
        } catch (e: any) {
          await this.save({ output: { name: e.name, childId: e.childId, message: e.message } });
          return this.success('recovered');
        }
      }`,
    );
    const ended = await waitForEnd(db, (await run('catches')).id);
    expect(ended.status).toBe('ENDED_SUCCESS');
    expect(ended.message).toBe('recovered');
    const [, child] = await treeOf(db, ended.id);
    expect(child).toMatchObject({ name: 'fails', status: 'ENDED_ERROR' });
    expect(child?.error?.message).toBe('boom inside');
    expect(ended.output).toMatchObject({ name: 'DependencyFailedError', childId: child?.id });
    expect((ended.output as { message: string }).message).toContain('boom inside');
  });

  it("maps a child's error stack to the user's own line, and children inherit dev mode", async () => {
    await defineFlow(
      db,
      'throws-on-line-3',
      `export default async function handler(this: any) {
        const n: number = 1;
        if (n === 1) throw new Error('line three');
      }`,
    );
    await defineFlow(
      db,
      'dev-parent',
      `export default async function handler(this: any) { await this.flow('throws-on-line-3'); }`,
    );
    const started = await startExecution(
      { db, boss },
      { flow: { name: 'dev-parent' }, isProductive: false, startedBy: { kind: 'system' } },
    );
    const ended = await waitForEnd(db, started.id);
    const [, child] = await treeOf(db, ended.id);
    expect(child?.error?.stack).toContain('throws-on-line-3.ts:3:');
    expect(child?.error?.stack).not.toContain('/work/');
    expect([ended.is_productive, child?.is_productive]).toEqual([false, false]);
  });

  it('ends the parent ENDED_ERROR naming the child when uncaught', async () => {
    await defineFlow(
      db,
      'uncaught',
      `export default async function handler(this: any) { await this.flow('fails', 'x'); }`,
    );
    const ended = await waitForEnd(db, (await run('uncaught')).id);
    const [, child] = await treeOf(db, ended.id);
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error?.name).toBe('DependencyFailedError');
    expect(ended.error?.message).toContain(`'fails' (${child?.id})`);
    expect(ended.error?.message).toContain('boom x');
  });

  it('names a missing flow with ResourceNotFoundError', async () => {
    await defineFlow(
      db,
      'missing',
      `export default async function handler(this: any) { await this.flow('no-such-flow'); }`,
    );
    const ended = await waitForEnd(db, (await run('missing')).id);
    expect(ended.status).toBe('ENDED_ERROR');
    expect(ended.error).toMatchObject({
      name: 'ResourceNotFoundError',
      message: "flow 'no-such-flow' does not exist",
    });
  });

  it('suggests the flow a misspelt name was likely meant to be', async () => {
    await defineFlow(
      db,
      'misspells',
      `export default async function handler(this: any) { await this.flow('quikc'); }`,
    );
    const ended = await waitForEnd(db, (await run('misspells')).id);
    expect(ended.error).toMatchObject({
      name: 'ResourceNotFoundError',
      message: "flow 'quikc' does not exist; did you mean 'quick'?",
    });
  });
});

describe('waitFor', () => {
  it('ALL_SUCCEEDED returns every child, and throws when one fails', async () => {
    await defineFlow(
      db,
      'join-all',
      `export default async function handler(this: any) {
        const a = await this.flow('quick', 1, { wait: false });
        const b = await this.flow('quick', 2, { wait: false });
        const done = await this.waitFor([a, b]);
        await this.setOutput('sum', done[0].output + done[1].output);
        const c = await this.flow('quick', 3, { wait: false });
        const d = await this.flow('fails', 'late', { wait: false });
        try {
          await this.waitFor([c, d], { returnWhen: 'ALL_SUCCEEDED' });
        } catch (e: any) {
          await this.setOutput('failed', e.name + ':' + (e.childId === d.id));
        }
      }`,
    );
    const ended = await waitForEnd(db, (await run('join-all')).id);
    expect(ended.error).toBeNull();
    expect(ended.output).toEqual({ sum: 3, failed: 'DependencyFailedError:true' });
  });

  it('ALL_ENDED waits for every child without throwing', async () => {
    await defineFlow(
      db,
      'join-ended',
      `export default async function handler(this: any) {
        const a = await this.flow('quick', 'a', { wait: false });
        const b = await this.flow('fails', 'b', { wait: false });
        const done = await this.waitFor([a, b], { returnWhen: 'ALL_ENDED' });
        return done.map((h: any) => h.status);
      }`,
    );
    const ended = await waitForEnd(db, (await run('join-ended')).id);
    expect(ended.status).toBe('ENDED_SUCCESS');
    expect(ended.output).toEqual(['ENDED_SUCCESS', 'ENDED_ERROR']);
  });

  it('FIRST_ENDED returns as soon as one child has ended', async () => {
    await defineFlow(
      db,
      'join-first',
      `export default async function handler(this: any) {
        const slow = await this.flow('slowly', null, { wait: false });
        const fast = await this.flow('quick', 'fast', { wait: false });
        const done = await this.waitFor([slow, fast], { returnWhen: 'FIRST_ENDED' });
        const statuses = done.map((h: any) => h.status);
        await slow.cancel();
        return { statuses, slowAfterCancel: slow.status };
      }`,
    );
    const ended = await waitForEnd(db, (await run('join-first')).id);
    expect(ended.error).toBeNull();
    const output = ended.output as { statuses: string[]; slowAfterCancel: string };
    expect(output.statuses[1]).toBe('ENDED_SUCCESS');
    expect(isEnded(output.statuses[0]!)).toBe(false);
    expect(output.slowAfterCancel).toBe('ENDED_CANCELLED');
  });
});

describe('cancelling', () => {
  it('cancels every unfinished execution of a tree mid-run', async () => {
    await defineFlow(
      db,
      'tree-leaf',
      `export default async function handler(this: any) { await this.sleep(60); }`,
    );
    await defineFlow(
      db,
      'tree-mid',
      `export default async function handler(this: any) {
        await this.flow('quick', 'done before', {});
        await this.flow('tree-leaf', null, { wait: false });
        await this.sleep(60);
      }`,
    );
    await defineFlow(
      db,
      'tree-root',
      `export default async function handler(this: any) { await this.flow('tree-mid'); }`,
    );
    const root = await run('tree-root');
    const tree = await waitUntil(async () => {
      const rows = await treeOf(db, root.id);
      return (
        rows.length === 4 && rows.every((r) => r.status === 'WAITING' || r.status === 'ENDED_SUCCESS') && rows
      );
    });
    expect(tree.filter((r) => r.status === 'ENDED_SUCCESS').map((r) => r.name)).toEqual(['quick']);
    const cancelled = await cancelExecution({ db, boss }, root.id);
    expect(cancelled).toHaveLength(3);
    const after = await treeOf(db, root.id);
    expect(after.map((r) => [r.name, r.status])).toEqual([
      ['tree-root', 'ENDED_CANCELLED'],
      ['tree-mid', 'ENDED_CANCELLED'],
      ['quick', 'ENDED_SUCCESS'],
      ['tree-leaf', 'ENDED_CANCELLED'],
    ]);
  });

  it('stops a running execution when its tree is cancelled', async () => {
    await defineFlow(
      db,
      'busy',
      `export default async function handler(this: any) {
        await this.log('started');
        for (;;) { await this.sleep(0.05); }
      }`,
    );
    const busy = await run('busy');
    await waitUntil(async () => (await getExecution(db, busy.id))?.status === 'RUNNING');
    await cancelExecution({ db, boss }, busy.id);
    const ended = await waitForEnd(db, busy.id);
    expect(ended.status).toBe('ENDED_CANCELLED');
    // The worker stays healthy and takes the next execution.
    expect((await waitForEnd(db, (await run('quick', 7)).id)).output).toBe(7);
  });
});

describe('a woken parent nobody queued', () => {
  it('is queued by the reaper once its deadline passed (the waker died before queuing it)', async () => {
    const orphan = await startExecution(
      { db, boss },
      { flow: { name: 'quick' }, input: 'rescued', startedBy: { kind: 'system' }, mode: { kind: 'created' } },
    );
    // What flowline_end_child_success leaves when its worker dies before sending the parent's job.
    await db
      .updateTable('executions')
      .set({ status: 'WAITING', wait_for: null, lease_until: new Date(Date.now() - 1000) })
      .where('id', '=', orphan.id)
      .execute();
    const ended = await waitForEnd(db, orphan.id);
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 'rescued' });
  });
});

describe('no deadlock with WORKER_CONCURRENCY=2', () => {
  it('runs a tree 10 levels deep', async () => {
    await defineFlow(
      db,
      'deep',
      `export default async function handler(this: any) {
        if (this.input.n === 0) return 0;
        const child = await this.flow('deep', { n: this.input.n - 1 });
        return child.output + 1;
      }`,
    );
    const ended = await waitForEnd(db, (await run('deep', { n: 10 })).id);
    expect(ended.error).toBeNull();
    expect(ended.output).toBe(10);
    expect(await treeOf(db, ended.id)).toHaveLength(11);
  });

  it('fans out 200 children and joins them with waitFor', async () => {
    await defineFlow(
      db,
      'fan',
      `export default async function handler(this: any) {
        const children = [];
        for (let i = 1; i <= 200; i++) children.push(await this.flow('quick', i, { wait: false }));
        const done = await this.waitFor(children);
        return done.reduce((sum: number, child: any) => sum + child.output, 0);
      }`,
    );
    const ended = await waitForEnd(db, (await run('fan')).id, 120_000);
    expect(ended.error).toBeNull();
    expect(ended.output).toBe((200 * 201) / 2);
    const tree = await treeOf(db, ended.id);
    expect(tree.filter((r) => r.status === 'ENDED_SUCCESS')).toHaveLength(201);
  });
});
