import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { insertTestExecution, RETURNS_INPUT, setUpEngineTestbed } from '../../test/engine-testbed';
import { createGraphFlow } from '../flows/graph-flows';
import { waitForEnd } from '../runtime/testing';
import type { Execution } from '../store/database';
import { readTree, type LiveNodeRecord } from '../store/live';
import { LiveHub, liveList, liveTree, type LiveBatch, type LiveTreeRead } from './live';

const NAPPER = `export default async function handler(this: any) { await this.sleep(2); return 'rested'; }`;
const BRIEF = `export default async function handler(this: any) { await this.sleep(0.5); return this.input; }`;
const { db, url, run } = await setUpEngineTestbed({
  flows: { step: RETURNS_INPUT, napper: NAPPER, brief: BRIEF },
});

const hubs: LiveHub[] = [];
function openHub(options: ConstructorParameters<typeof LiveHub>[1], databaseUrl = url): LiveHub {
  const hub = new LiveHub(databaseUrl, options);
  hubs.push(hub);
  return hub;
}
afterAll(async () => {
  await Promise.all(hubs.map((hub) => hub.close()));
});

/** A graph flow: `first` ends at once, `nap` sleeps 2 s durably (its tree WAITs), then `last` runs. */
async function defineGraph(): Promise<void> {
  const flowNode = (id: string, flow: string) => ({
    id,
    type: 'flow',
    params: { flow, input: { from: id } },
  });
  await createGraphFlow(db, {
    name: 'live graph',
    userId: null,
    graph: {
      nodes: [flowNode('first', 'step'), flowNode('nap', 'napper'), flowNode('last', 'step')],
      edges: [
        { source: 'first', target: 'nap' },
        { source: 'nap', target: 'last' },
      ],
    },
  });
}

/** What a view holds after applying batches: each execution's and node record's latest state. */
class TreeState {
  readonly executions = new Map<string, Execution>();
  readonly nodes = new Map<string, LiveNodeRecord>();
  apply(read: LiveTreeRead): void {
    for (const execution of read.executions) this.executions.set(execution.id, execution);
    for (const node of read.nodes) this.nodes.set(`${node.execution_id}/${node.node_id}`, node);
  }
  nodeStatus(nodeId: string): string | undefined {
    return [...this.nodes.values()].find((node) => node.node_id === nodeId)?.status;
  }
}

/** Reads batches until `done` says the state is there; returns them. */
async function collect(
  batches: AsyncGenerator<LiveBatch<LiveTreeRead>>,
  state: TreeState,
  done: () => boolean,
): Promise<Array<LiveBatch<LiveTreeRead>>> {
  const seen: Array<LiveBatch<LiveTreeRead>> = [];
  for await (const batch of batches) {
    seen.push(batch);
    state.apply(batch.read);
    if (done()) break;
  }
  return seen;
}

/** The state of every row of the tree, as a fresh read sees it. */
function rowStates(executions: Iterable<Execution>, nodes: Iterable<LiveNodeRecord>) {
  return {
    executions: Object.fromEntries([...executions].map((e) => [e.id, `${e.status}@${e.change_xid}`])),
    nodes: Object.fromEntries([...nodes].map((n) => [`${n.execution_id}/${n.node_id}`, n.status])),
  };
}

const rootOf = (state: TreeState, id: string) => state.executions.get(id);
const ENDED = /^ENDED_/;

describe('a live execution tree', () => {
  it('yields its snapshot, then its changes; resumed, exactly what changed after the last id', async () => {
    await defineGraph();
    const hub = openHub({ recheckMs: 60_000 }); // only NOTIFYs move it: a recheck would hide a lost one
    const root = await run('live graph');
    const first = new AbortController();
    const state = new TreeState();
    const before = await collect(
      liveTree(db, hub, root.id, null, first.signal),
      state,
      () => state.nodeStatus('first') === 'success' && state.nodeStatus('nap') === 'running',
    );
    first.abort();
    expect(before[0]!.first).toBe(true);
    expect(before.slice(1).every((batch) => !batch.first)).toBe(true);
    expect(rootOf(state, root.id)?.status).not.toMatch(ENDED);
    const firstChild = [...state.executions.values()].find((e) => e.node_id === 'first')!;
    expect(firstChild.status).toBe('ENDED_SUCCESS');

    // Nobody watches while the tree runs to its end.
    await waitForEnd(db, root.id);
    const resumed = new AbortController();
    const after = liveTree(db, hub, root.id, before.at(-1)!.cursor, resumed.signal);
    const next = (await after.next()).value as LiveBatch<LiveTreeRead>;
    resumed.abort();
    await after.return(undefined);

    expect(next.first).toBe(false);
    // What ended before the last id is not sent again; everything else is, once, in its final state.
    const ids = next.read.executions.map((e) => e.id);
    expect(ids).not.toContain(firstChild.id);
    expect(next.read.nodes.map((n) => n.node_id).sort()).toEqual(['last', 'nap']);
    expect(new Set(ids).size).toBe(ids.length);
    state.apply(next.read);
    const fresh = await readTree(db, root.id, null);
    expect(rowStates(state.executions.values(), state.nodes.values())).toEqual(
      rowStates(fresh.executions, fresh.nodes),
    );
    expect(rootOf(state, root.id)?.status).toBe('ENDED_SUCCESS');
    expect(state.nodeStatus('last')).toBe('success');

    // From its own last id, a finished tree has nothing more to say.
    const quiet = new AbortController();
    const idle = liveTree(db, hub, root.id, next.cursor, quiet.signal).next();
    setTimeout(() => quiet.abort(), 300);
    expect((await idle).done).toBe(true);
  });

  it('finds a change whose NOTIFY was lost at the next recheck', async () => {
    const hub = openHub({ recheckMs: 200 });
    const root = await insertTestExecution(db, { status: 'RUNNING', started_at: new Date() });
    const abort = new AbortController();
    const batches = liveTree(db, hub, root.id, null, abort.signal);
    const snapshot = (await batches.next()).value as LiveBatch<LiveTreeRead>;
    expect(snapshot.read.executions.map((e) => e.status)).toEqual(['RUNNING']);
    // Written straight to the table: no NOTIFY is ever sent for it.
    await sql`update executions set status = 'ENDED_SUCCESS', ended_at = now() where id = ${root.id}`.execute(
      db,
    );
    const change = (await batches.next()).value as LiveBatch<LiveTreeRead>;
    abort.abort();
    await batches.return(undefined);
    expect(change.read.executions.map((e) => e.status)).toEqual(['ENDED_SUCCESS']);
  });
});

describe('the live hub', () => {
  it('serves several views on one LISTEN connection', async () => {
    const applicationName = 'flowline-live-hub-test';
    const hubUrl = new URL(url);
    hubUrl.searchParams.set('application_name', applicationName);
    const hub = openHub({ recheckMs: 60_000 }, hubUrl.href);
    const abort = new AbortController();
    const roots = await Promise.all([1, 2, 3].map((n) => run('brief', n)));
    const list = liveList(db, hub, { flowId: roots[0]!.flow_id! }, 50, null, abort.signal);
    const listSeen = new Map<string, string>();
    const listDone = (async () => {
      for await (const batch of list) {
        for (const execution of batch.read.executions) listSeen.set(execution.id, execution.status);
        if (roots.every((root) => listSeen.get(root.id) === 'ENDED_SUCCESS')) return;
      }
    })();
    const trees = roots.map(async (root) => {
      const state = new TreeState();
      await collect(liveTree(db, hub, root.id, null, abort.signal), state, () =>
        ENDED.test(rootOf(state, root.id)?.status ?? ''),
      );
      return rootOf(state, root.id)?.output;
    });
    // Each view registered with the hub before its first read.
    expect(hub.size).toBe(4);
    expect(await Promise.all(trees)).toEqual([1, 2, 3]);
    await listDone;
    const listening = await sql<{ count: number }>`
      select count(*)::int as count from pg_stat_activity where application_name = ${applicationName}`.execute(
      db,
    );
    expect(listening.rows[0]!.count).toBe(1);
    abort.abort();
  });
});
