import { createStore, type StoreApi } from 'zustand/vanilla';
import { NODE_ID_PATTERN, RESERVED_NODE_IDS, type Graph, type GraphNode } from '@/engine/graph/model';
import { findNodeType } from '@/engine/nodes';
import {
  connectionRefusal,
  defaultParams,
  pasteInto,
  uniqueNodeId,
  type EdgeRef,
  type Position,
} from './graph-ops';

/**
 * The canvas model: the graph in Flowline's own format, changed only through the actions below.
 * React Flow's nodes and edges are derived from it (Canvas.tsx); selection and a drag in progress stay
 * in React Flow. Every action that changes the graph is one undo step: the graph before it is kept
 * (graphs are never mutated, so a snapshot is a reference). Typing into one field is one step per
 * pause, not per key.
 */

export const HISTORY_LIMIT = 100;
/** Changes to the same field closer together than this are one undo step. */
const COALESCE_MS = 1000;

export type ConnectResult = { ok: true } | { ok: false; reason: string };
export type RenameNode = (graph: Graph, from: string, to: string) => Promise<Graph>;

export type CanvasState = {
  graph: Graph;
  past: Graph[];
  future: Graph[];
  /** The last change's coalescing key (`params:<id>:<field>`) and time. */
  lastChange: { key: string; at: number } | null;

  /** Starts again from a stored graph (load, after a save-as-new-version): no history. */
  load(graph: Graph): void;
  /** Puts a whole other graph in place (a restored local draft) as one undo step: undo brings back the saved one. */
  replace(graph: Graph): void;
  addNode(type: string, position: Position): string;
  /** Sets params of a node; a field patched to undefined is removed. */
  updateNodeParams(id: string, patch: Record<string, unknown>): void;
  setNodeNotes(id: string, notes: string): void;
  moveNodes(moves: readonly { id: string; position: Position }[]): void;
  /** Removes nodes (and every edge at them) and edges, as one step. */
  remove(selection: { nodes?: readonly string[]; edges?: readonly EdgeRef[] }): void;
  connect(edge: EdgeRef): ConnectResult;
  /** Renames a node through `rename` (the server's, which rewrites expressions that read it). */
  renameNode(from: string, to: string, rename: RenameNode): Promise<ConnectResult>;
  /** Adds a copied sub-graph (ids made unique, its edges kept); returns the pasted ids. */
  paste(clip: Graph, placement: { offset: Position } | { at: Position }): string[];
  /** New positions for some nodes (auto-layout): one step. */
  placeNodes(positions: Readonly<Record<string, Position>>): void;
  undo(): void;
  redo(): void;
};

export type CanvasStore = StoreApi<CanvasState>;

/** Why a node id is refused, or null (the same rules as the graph format's). */
export function nodeIdRefusal(graph: Graph, from: string, to: string): string | null {
  if (to === from) return null;
  if (!NODE_ID_PATTERN.test(to))
    return 'an id is lower-case letters, digits and _, not starting with a digit';
  if (to.length > 64) return 'an id has at most 64 characters';
  if (RESERVED_NODE_IDS.has(to)) return 'this id is a reserved word or a name the compiled flow uses itself';
  if (graph.nodes.some((node) => node.id === to)) return `a node has the id '${to}' already`;
  return null;
}

export function createCanvasStore(initial: Graph, now: () => number = Date.now): CanvasStore {
  return createStore<CanvasState>()((set, get) => {
    /** Replaces the graph as one undo step (or as part of the last one, for a key repeated quickly). */
    const commit = (graph: Graph, key?: string) => {
      const { graph: before, past, lastChange } = get();
      if (graph === before) return;
      const at = now();
      const coalesce = key !== undefined && lastChange?.key === key && at - lastChange.at < COALESCE_MS;
      set({
        graph,
        past: coalesce ? past : [...past, before].slice(-HISTORY_LIMIT),
        future: [],
        lastChange: key === undefined ? null : { key, at },
      });
    };
    const mapNode = (id: string, change: (node: GraphNode) => GraphNode) => {
      const { graph } = get();
      const index = graph.nodes.findIndex((node) => node.id === id);
      if (index < 0) return null;
      const nodes = [...graph.nodes];
      nodes[index] = change(graph.nodes[index] as GraphNode);
      return { ...graph, nodes };
    };

    return {
      graph: initial,
      past: [],
      future: [],
      lastChange: null,

      load: (graph) => set({ graph, past: [], future: [], lastChange: null }),

      replace: (graph) => commit(graph),

      addNode(type, position) {
        const { graph } = get();
        if (!findNodeType(type)) throw new Error(`unknown node type '${type}'`);
        const id = uniqueNodeId(type, new Set(graph.nodes.map((node) => node.id)));
        commit({
          ...graph,
          nodes: [...graph.nodes, { id, type, position, params: defaultParams(type, id) }],
        });
        return id;
      },

      updateNodeParams(id, patch) {
        const next = mapNode(id, (node) => {
          const params = { ...node.params };
          for (const [key, value] of Object.entries(patch)) {
            if (value === undefined) delete params[key];
            else params[key] = value;
          }
          return { ...node, params };
        });
        if (next) commit(next, `params:${id}:${Object.keys(patch).join(',')}`);
      },

      setNodeNotes(id, notes) {
        const next = mapNode(id, (node) => {
          const { notes: _old, ...rest } = node;
          return notes === '' ? rest : { ...rest, notes };
        });
        if (next) commit(next, `notes:${id}`);
      },

      moveNodes(moves) {
        const { graph } = get();
        const byId = new Map(moves.map((move) => [move.id, move.position]));
        let changed = false;
        const nodes = graph.nodes.map((node) => {
          const position = byId.get(node.id);
          if (!position || (node.position?.x === position.x && node.position?.y === position.y)) return node;
          changed = true;
          return { ...node, position: { x: position.x, y: position.y } };
        });
        if (changed) commit({ ...graph, nodes });
      },

      remove({ nodes: nodeIds = [], edges: edgeRefs = [] }) {
        const { graph } = get();
        const gone = new Set(nodeIds);
        const goneEdges = new Set(
          edgeRefs.map((edge) => `${edge.source}:${edge.sourceHandle}->${edge.target}`),
        );
        const nodes = graph.nodes.filter((node) => !gone.has(node.id));
        const edges = graph.edges.filter(
          (edge) =>
            !gone.has(edge.source) &&
            !gone.has(edge.target) &&
            !goneEdges.has(`${edge.source}:${edge.sourceHandle}->${edge.target}`),
        );
        if (nodes.length !== graph.nodes.length || edges.length !== graph.edges.length)
          commit({ nodes, edges });
      },

      connect(edge) {
        const { graph } = get();
        const reason = connectionRefusal(graph, edge);
        if (reason) return { ok: false, reason };
        const { source, sourceHandle, target } = edge;
        commit({ ...graph, edges: [...graph.edges, { source, sourceHandle, target }] });
        return { ok: true };
      },

      async renameNode(from, to, rename) {
        const before = get().graph;
        const reason = nodeIdRefusal(before, from, to);
        if (reason) return { ok: false, reason };
        if (from === to) return { ok: true };
        let renamed: Graph;
        try {
          renamed = await rename(before, from, to);
        } catch (error) {
          return { ok: false, reason: error instanceof Error ? error.message : String(error) };
        }
        // The graph may have changed while the server answered: apply the rename only to the graph it was made for.
        if (get().graph !== before) return { ok: false, reason: 'the graph changed meanwhile; rename again' };
        commit(renamed);
        return { ok: true };
      },

      paste(clip, placement) {
        const pasted = pasteInto(get().graph, clip, placement);
        commit(pasted.graph);
        return pasted.ids;
      },

      placeNodes(positions) {
        get().moveNodes(Object.entries(positions).map(([id, position]) => ({ id, position })));
      },

      undo() {
        const { graph, past, future } = get();
        const previous = past.at(-1);
        if (!previous) return;
        set({ graph: previous, past: past.slice(0, -1), future: [graph, ...future], lastChange: null });
      },

      redo() {
        const { graph, past, future } = get();
        const next = future[0];
        if (!next) return;
        set({ graph: next, past: [...past, graph], future: future.slice(1), lastChange: null });
      },
    };
  });
}
