import { describe, expect, it } from 'vitest';
import type { ExecutionSummary } from '../../engine/executions/view';
import type { LiveExecution, LiveNode } from '../../server/live';
import { hasLiveChild, mergeListRows, TreeStore } from './live-store';

function summary(
  id: string,
  createdAt: string,
  status: ExecutionSummary['status'] = 'RUNNING',
): ExecutionSummary {
  return {
    id,
    type: 'FLOW',
    name: id,
    status,
    is_productive: true,
    parent_id: null,
    root_id: id,
    flow_id: null,
    flow_version: 1,
    created_at: createdAt,
    started_at: createdAt,
    ended_at: status.startsWith('ENDED') ? createdAt : null,
  };
}
const execution = (id: string, status: ExecutionSummary['status'] = 'RUNNING'): LiveExecution => ({
  ...summary(id, `2026-01-01T00:00:0${id.length}.000Z`, status),
  node_id: null,
  output_value: null,
  message: null,
  error: null,
});
const node = (executionId: string, nodeId: string, status: LiveNode['status']): LiveNode => ({
  execution_id: executionId,
  node_id: nodeId,
  status,
  started_at: null,
  ended_at: null,
  attempts: 1,
  child_id: null,
  output_value: null,
  error: null,
});

describe('TreeStore', () => {
  it('keeps the identity of what did not change, so only its readers re-render', () => {
    const store = new TreeStore();
    let notified = 0;
    store.subscribe(() => notified++);
    store.apply({
      kind: 'snapshot',
      executions: [execution('r'), execution('cc')],
      nodes: [node('r', 'a', 'running'), node('r', 'b', 'running'), node('cc', 'x', 'running')],
      logCounts: { r: 2 },
    });
    const before = {
      a: store.getNode('r', 'a'),
      cc: store.getExecution('cc'),
      ccNodes: store.getNodes('cc'),
    };
    store.apply({ kind: 'changes', executions: [], nodes: [node('r', 'b', 'success')], logCounts: null });

    expect(notified).toBe(2);
    expect(store.getNode('r', 'b')?.status).toBe('success');
    expect(store.getNode('r', 'a')).toBe(before.a);
    expect(store.getNodes('cc')).toBe(before.ccNodes);
    expect(store.getExecution('cc')).toBe(before.cc);
    expect(store.getLogCount('r')).toBe(2);
  });

  it('replaces everything with a snapshot', () => {
    const store = new TreeStore();
    store.apply({
      kind: 'snapshot',
      executions: [execution('r')],
      nodes: [node('r', 'a', 'running')],
      logCounts: {},
    });
    store.apply({ kind: 'snapshot', executions: [execution('q')], nodes: [], logCounts: {} });
    expect(store.getExecutions().map((e) => e.id)).toEqual(['q']);
    expect(store.getNode('r', 'a')).toBeUndefined();
  });
});

describe('mergeListRows', () => {
  const pages = [summary('b', '2026-01-01T00:00:02.000Z'), summary('a', '2026-01-01T00:00:01.000Z')];

  it('shows live states over loaded rows and new executions at the top', () => {
    const live = new Map([
      ['a', summary('a', '2026-01-01T00:00:01.000Z', 'ENDED_SUCCESS')],
      ['c', summary('c', '2026-01-01T00:00:03.000Z')],
    ]);
    const rows = mergeListRows(pages, live, {}, false);
    expect(rows.map((row) => `${row.id}:${row.status}`)).toEqual([
      'c:RUNNING',
      'b:RUNNING',
      'a:ENDED_SUCCESS',
    ]);
  });

  it('leaves out new rows of another status, and older rows of pages not loaded yet', () => {
    const live = new Map([
      ['c', summary('c', '2026-01-01T00:00:03.000Z', 'ENDED_ERROR')],
      ['old', summary('old', '2025-01-01T00:00:00.000Z')],
    ]);
    expect(mergeListRows(pages, live, { status: 'RUNNING' }, false).map((row) => row.id)).toEqual(['b', 'a']);
    expect(mergeListRows(pages, live, {}, true).map((row) => row.id)).toEqual(['c', 'b', 'a', 'old']);
  });

  it("keeps a loaded row's child count under its live state", () => {
    const counted = [{ ...summary('a', '2026-01-01T00:00:01.000Z'), childCount: 3 }];
    const live = new Map([['a', summary('a', '2026-01-01T00:00:01.000Z', 'ENDED_SUCCESS')]]);
    expect(mergeListRows(counted, live, {}, true)).toMatchObject([
      { id: 'a', status: 'ENDED_SUCCESS', childCount: 3 },
    ]);
  });

  it('adds new rows only of the parent the list shows: none for top-level runs, its own for children', () => {
    const child = { ...summary('c', '2026-01-01T00:00:03.000Z'), parent_id: 'b' };
    const root = summary('d', '2026-01-01T00:00:04.000Z');
    const live = new Map([
      ['c', child],
      ['d', root],
    ]);
    expect(mergeListRows(pages, live, { parentId: null }, true).map((row) => row.id)).toEqual([
      'd',
      'b',
      'a',
    ]);
    expect(mergeListRows([], live, { parentId: 'b' }, true).map((row) => row.id)).toEqual(['c']);
    expect(hasLiveChild(live, 'b')).toBe(true);
    expect(hasLiveChild(live, 'a')).toBe(false);
  });
});
