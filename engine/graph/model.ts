import { z } from 'zod';

/**
 * The graph file format: what a graph flow is (docs/graph.md). The REST API, export/import, the canvas
 * and the compiler all read and write exactly this JSON. Node params are checked per node type (the
 * registry in engine/nodes/), so a wrong param is reported at its node, not as a shape error here.
 */

/** A node id: the name by which expressions refer to the node's result, so it must be a JS identifier. */
export const NODE_ID_PATTERN = /^[a-z_][a-z0-9_]*$/;
export const MAX_NODE_ID_LENGTH = 64;
export const MAX_GRAPH_NODES = 5000;
export const MAX_GRAPH_EDGES = 20_000;

/**
 * Names a node id may not take: JavaScript's reserved words (an id becomes a variable in the compiled
 * module) and the names the compiled module itself binds.
 */
export const RESERVED_NODE_IDS: ReadonlySet<string> = new Set([
  // the compiled module's own names
  'input',
  'graph',
  'system',
  'handler',
  // names that cannot be bound in strict mode, or should not be shadowed
  'arguments',
  'eval',
  'undefined',
  'globalthis',
  // reserved words (strict mode, ES2024, TypeScript's own)
  ...'await break case catch class const continue debugger default delete do else enum export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield'.split(
    ' ',
  ),
]);

export const NODE_HANDLES = ['out', 'true', 'false', 'error'] as const;
export type NodeHandleId = (typeof NODE_HANDLES)[number];

const position = z.strictObject({
  x: z.number().finite().describe('Canvas x coordinate'),
  y: z.number().finite().describe('Canvas y coordinate'),
});

export const graphNodeSchema = z.strictObject({
  id: z
    .string()
    .max(MAX_NODE_ID_LENGTH, `an id has at most ${MAX_NODE_ID_LENGTH} characters`)
    .regex(NODE_ID_PATTERN, 'an id is lower-case letters, digits and _, not starting with a digit')
    .refine((id) => !RESERVED_NODE_IDS.has(id), {
      message: 'this id is a reserved word or a name the compiled flow uses itself',
    })
    .describe('Unique in the graph; expressions refer to the node by it'),
  type: z.string().min(1).max(64).describe('The node type (see the node types in docs/graph.md)'),
  position: position.optional().describe('Where the canvas draws the node; laid out when missing'),
  notes: z.string().max(10_000).optional().describe('Free text; kept as comments in the compiled code'),
  params: z.record(z.string(), z.unknown()).default({}).describe("The node type's parameters"),
});

export const graphEdgeSchema = z.strictObject({
  source: z.string().min(1).max(MAX_NODE_ID_LENGTH),
  sourceHandle: z.enum(NODE_HANDLES).default('out'),
  target: z.string().min(1).max(MAX_NODE_ID_LENGTH),
});

export const graphSchema = z.strictObject({
  nodes: z.array(graphNodeSchema).max(MAX_GRAPH_NODES),
  edges: z.array(graphEdgeSchema).max(MAX_GRAPH_EDGES).default([]),
});

export type GraphNode = z.output<typeof graphNodeSchema>;
export type GraphEdge = z.output<typeof graphEdgeSchema>;
export type Graph = z.output<typeof graphSchema>;
/** A graph as a client may send it: sourceHandle, edges and params may be left out. */
export type GraphInput = z.input<typeof graphSchema>;

export const EMPTY_GRAPH: Graph = { nodes: [], edges: [] };

/** The edge as the compiled code writes it in a node's `after` list: `id` or `id:handle`. */
export function edgeSourceRef(edge: Pick<GraphEdge, 'source' | 'sourceHandle'>): string {
  return edge.sourceHandle === 'out' ? edge.source : `${edge.source}:${edge.sourceHandle}`;
}
