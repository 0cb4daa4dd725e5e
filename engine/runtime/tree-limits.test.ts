/**
 * The execution tree's bounds (issue 8, "Limits"): its depth, and the runners a worker holds for the
 * synchronous children it runs inline. Recursion to depth 40 once held 43 runner processes and 2 GB.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { setUpEngineTestbed } from '../../test/engine-testbed';
import { treeOf, waitForEnd } from './testing';

const RECURSE = `export default async function handler(this: any) {
  const left = Number(this.input);
  if (left <= 0) return 0;
  const below = await this.flow('recurse', left - 1);
  return below.output + 1;
}`;

/** The runner processes a worker holds right now: its children running a runner bundle. */
function runnersOf(workerPid: number): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const program = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === workerPid && program.includes('flowline-sandbox-')) count++;
    } catch {
      // gone meanwhile
    }
  }
  return count;
}

const { db, run, worker } = await setUpEngineTestbed({
  workerEnv: { FLOWLINE_MAX_TREE_DEPTH: '5', WORKER_CONCURRENCY: '1', WORKER_MAX_RUNNERS: '2' },
  flows: { recurse: RECURSE },
});

describe('the depth of an execution tree', () => {
  it('is bounded: a child beyond the limit is refused with LimitExceededError naming it', async () => {
    const root = await run('recurse', 40);
    const ended = await waitForEnd(db, root.id, 60_000);
    expect(ended.status).toBe('ENDED_ERROR');
    const tree = await treeOf(db, root.id);
    expect(tree.length).toBe(6); // the root and five levels below it
    const deepest = tree.find((execution) => execution.error?.name === 'LimitExceededError');
    expect(deepest?.error?.message).toBe(
      'a child would be 6 levels deep in its execution tree; the most is 5 (FLOWLINE_MAX_TREE_DEPTH)',
    );
  });
});

describe('the runners a worker holds', () => {
  it('are bounded: synchronous children beyond the bound are queued and waited for, and all end', async () => {
    const root = await run('recurse', 5);
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, runnersOf(worker()!.child.pid!))), 20);
    try {
      const ended = await waitForEnd(db, root.id, 90_000);
      expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', output: 5 });
    } finally {
      clearInterval(watch);
    }
    expect((await treeOf(db, root.id)).length).toBe(6);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(2);
  });
});
