import { createStore, type StoreApi } from 'zustand/vanilla';
import type { GraphIssue } from '@/engine/graph/issues';

/**
 * What the canvas shows beside the model: the validator's findings per node, the reason a connection
 * being dragged would be refused, and a selection the editor asks React Flow to take (after a paste).
 * Kept apart from the model so a new set of findings re-renders only the cards whose findings changed.
 */
export type CanvasUiState = {
  /** Findings per node id; a node's array keeps its identity while its findings stay the same. */
  issuesByNode: Readonly<Record<string, readonly GraphIssue[]>>;
  /** Findings about the graph as a whole (node: null), and about nodes that are gone. */
  generalIssues: readonly GraphIssue[];
  connectionHint: string | null;
  /** Ids to select instead of the current selection; `seq` tells one request from the next. */
  selectRequest: { ids: readonly string[]; seq: number } | null;
  setIssues(issues: readonly GraphIssue[], nodeIds: ReadonlySet<string>): void;
  setConnectionHint(hint: string | null): void;
  select(ids: readonly string[]): void;
};

export type CanvasUiStore = StoreApi<CanvasUiState>;

const EMPTY: readonly GraphIssue[] = [];

function sameIssues(a: readonly GraphIssue[] | undefined, b: readonly GraphIssue[]): boolean {
  return (
    a !== undefined &&
    a.length === b.length &&
    a.every((issue, i) => issue.message === b[i]?.message && issue.severity === b[i]?.severity)
  );
}

export function createCanvasUiStore(): CanvasUiStore {
  return createStore<CanvasUiState>()((set, get) => ({
    issuesByNode: {},
    generalIssues: EMPTY,
    connectionHint: null,
    selectRequest: null,
    setIssues(issues, nodeIds) {
      const grouped: Record<string, GraphIssue[]> = {};
      const general: GraphIssue[] = [];
      for (const issue of issues) {
        if (issue.node !== null && nodeIds.has(issue.node)) (grouped[issue.node] ??= []).push(issue);
        else general.push(issue);
      }
      const previous = get().issuesByNode;
      const issuesByNode: Record<string, readonly GraphIssue[]> = {};
      for (const [id, list] of Object.entries(grouped))
        issuesByNode[id] = sameIssues(previous[id], list) ? (previous[id] as readonly GraphIssue[]) : list;
      set({
        issuesByNode,
        generalIssues: sameIssues(get().generalIssues, general) ? get().generalIssues : general,
      });
    },
    setConnectionHint(hint) {
      if (get().connectionHint !== hint) set({ connectionHint: hint });
    },
    select(ids) {
      set({ selectRequest: { ids, seq: (get().selectRequest?.seq ?? 0) + 1 } });
    },
  }));
}

export const NO_ISSUES = EMPTY;
