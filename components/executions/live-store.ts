import type { ExecutionSummary } from '../../engine/executions/view';
import type { ListLiveEvent, LiveExecution, LiveNode, TreeLiveEvent } from '../../server/live';

/**
 * The browser's state of the live views (docs/live.md), kept outside React: a subscription's messages
 * are applied here, and components read what they need through useSyncExternalStore (live.ts). Every
 * value handed out keeps its identity until it changes, so a selector that reads one execution or one
 * node re-renders only when that one changed.
 */

type Listener = () => void;

class Emitter {
  private readonly listeners = new Set<Listener>();
  /** For useSyncExternalStore: returns the unsubscribe. */
  readonly subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  protected emit(): void {
    for (const listener of this.listeners) listener();
  }
}

export type LiveConnection = 'connecting' | 'live' | 'error';

const NO_NODES: ReadonlyMap<string, LiveNode> = new Map();

/**
 * One execution tree: its executions by id, their graph node records by execution and node id, and
 * their log counts. The canvas colours nodes with `getNode(executionId, nodeId)`.
 */
export class TreeStore extends Emitter {
  private executions = new Map<string, LiveExecution>();
  private nodes = new Map<string, ReadonlyMap<string, LiveNode>>();
  private logCounts: Readonly<Record<string, number>> = {};
  private ordered: readonly LiveExecution[] = [];
  private connection: LiveConnection = 'connecting';
  private received = false;

  /** Applies one message of executions.onTree (a snapshot replaces everything, changes update). */
  apply(event: TreeLiveEvent): void {
    if (event.kind === 'snapshot') {
      this.executions = new Map();
      this.nodes = new Map();
    }
    for (const execution of event.executions) this.executions.set(execution.id, execution);
    const changedNodes = new Map<string, Map<string, LiveNode>>();
    for (const node of event.nodes) {
      let copy = changedNodes.get(node.execution_id);
      if (!copy) {
        // A new map for the execution whose records changed: readers of the others keep theirs.
        copy = new Map(this.nodes.get(node.execution_id) ?? []);
        changedNodes.set(node.execution_id, copy);
      }
      copy.set(node.node_id, node);
    }
    for (const [executionId, records] of changedNodes) this.nodes.set(executionId, records);
    if (event.logCounts) this.logCounts = event.logCounts;
    if (event.kind === 'snapshot' || event.executions.length > 0) this.ordered = this.sortExecutions();
    this.received = true;
    this.emit();
  }

  setConnection(connection: LiveConnection): void {
    if (connection === this.connection) return;
    this.connection = connection;
    this.emit();
  }

  /** Whether any message arrived yet (before that, the page shows what the server rendered). */
  readonly hasData = (): boolean => this.received;
  readonly getConnection = (): LiveConnection => this.connection;
  readonly getExecution = (id: string): LiveExecution | undefined => this.executions.get(id);
  /** Every execution of the tree, oldest first (the same array until one changes). */
  readonly getExecutions = (): readonly LiveExecution[] => this.ordered;
  readonly getNode = (executionId: string, nodeId: string): LiveNode | undefined =>
    this.nodes.get(executionId)?.get(nodeId);
  /** A graph execution's node records by node id (the same map until one of them changes). */
  readonly getNodes = (executionId: string): ReadonlyMap<string, LiveNode> =>
    this.nodes.get(executionId) ?? NO_NODES;
  readonly getLogCount = (executionId: string): number => this.logCounts[executionId] ?? 0;

  private sortExecutions(): LiveExecution[] {
    return [...this.executions.values()].sort(
      (a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
    );
  }
}

/**
 * The Executions list's live rows by id: the latest first page and every change since. The list shows
 * them over the pages it loaded (mergeListRows).
 */
export class ListStore extends Emitter {
  private rows: ReadonlyMap<string, ExecutionSummary> = new Map();

  apply(event: ListLiveEvent): void {
    const next = new Map(event.reset ? [] : this.rows);
    for (const execution of event.executions) next.set(execution.id, execution);
    this.rows = next;
    this.emit();
  }

  /** The same map until a message arrives. */
  readonly getRows = (): ReadonlyMap<string, ExecutionSummary> => this.rows;
}

/**
 * The rows a list is filtering: `status` (the server filters the rest), and `parentId`: null for
 * top-level runs only, an id for that execution's children, undefined for every execution.
 */
export type ListFilter = { status?: string; parentId?: string | null };

/** A row of the Executions list: its summary, and how many children it had when its page was read. */
export type ListedExecution = ExecutionSummary & { childCount?: number };

const latestFirst = (a: ExecutionSummary, b: ExecutionSummary) =>
  b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);

/**
 * The rows the list shows: the loaded pages with each row in its live state, and live rows the pages
 * do not hold yet (new executions) where they belong, latest first. A new row must match the filter
 * and be no older than the last loaded row, unless every page is loaded: older ones belong to pages
 * not loaded yet. A shown row that leaves the status filter stays, in its new state, until the list is
 * loaded again.
 */
export function mergeListRows(
  pages: readonly ListedExecution[],
  live: ReadonlyMap<string, ExecutionSummary>,
  filter: ListFilter,
  allLoaded: boolean,
): ListedExecution[] {
  const shown = new Set(pages.map((row) => row.id));
  const oldest = pages.at(-1);
  const fresh = [...live.values()].filter(
    (row) =>
      !shown.has(row.id) &&
      (filter.status === undefined || row.status === filter.status) &&
      (filter.parentId === undefined || row.parent_id === filter.parentId) &&
      (allLoaded || !oldest || latestFirst(row, oldest) <= 0),
  );
  const current = pages.map((row) => {
    const changed = live.get(row.id);
    return changed ? { ...row, ...changed } : row;
  });
  return [...current, ...fresh].sort(latestFirst);
}

/** Whether the live rows hold a child of this execution (one started after its page was read). */
export function hasLiveChild(live: ReadonlyMap<string, ExecutionSummary>, id: string): boolean {
  for (const row of live.values()) if (row.parent_id === id) return true;
  return false;
}
