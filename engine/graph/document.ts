import { z } from 'zod';
import { nodeTypes } from '../nodes';
import { graphEdgeSchema, graphNodeSchema, MAX_GRAPH_EDGES, MAX_GRAPH_NODES } from './model';

/**
 * The graph format with each node type's params spelled out (one alternative per type, from the
 * registry): what the OpenAPI document shows. Requests are checked by graphSchema and the validator,
 * whose messages name the node; this schema only describes.
 */
export function typedGraphSchema() {
  const [first, second, ...rest] = nodeTypes.map((definition) =>
    graphNodeSchema
      .extend({ type: z.literal(definition.type), params: definition.params })
      .meta({ title: `${definition.title} node`, description: definition.description }),
  );
  if (!first || !second) throw new Error('the node registry is empty');
  return z.strictObject({
    nodes: z.array(z.discriminatedUnion('type', [first, second, ...rest])).max(MAX_GRAPH_NODES),
    edges: z.array(graphEdgeSchema).max(MAX_GRAPH_EDGES),
  });
}

let described: Record<string, unknown> | undefined;

/** The typed graph schema as JSON Schema, made once. */
export function graphJsonSchema(): Record<string, unknown> {
  if (!described) {
    const { $schema: _ignored, ...schema } = z.toJSONSchema(typedGraphSchema(), {
      io: 'input',
      unrepresentable: 'any',
    });
    described = schema;
  }
  return described;
}
