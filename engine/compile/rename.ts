import ts from 'typescript';
import { canonicalizeGraph } from '../graph/canonical';
import { UserError } from '../errors';
import { graphNodeSchema, type Graph } from '../graph/model';
import { templateParts } from '../graph/template';
import { findNodeType } from '../nodes';
import { freeIdentifiers, isFreeReference } from './expressions';

export class NodeRenameError extends UserError {
  override name = 'NodeRenameError';
  readonly kind = 'invalid';
}

/**
 * Renames a node and rewrites every reference to it: its edges, and each expression that reads it
 * (`{{ fetch.output }}` in another node's params, a condition's expression). A reference is a name the
 * expression reads, found with the TypeScript parser, so `fetch` in `other.fetch` or in a string is left
 * alone. Scripts read their upstream through `input`, so their code holds no references.
 */
export function renameGraphNode(graph: Graph, from: string, to: string): Graph {
  if (!graph.nodes.some((node) => node.id === from))
    throw new NodeRenameError(`no node has the id '${from}'`);
  if (from === to) return graph;
  const checked = graphNodeSchema.shape.id.safeParse(to);
  if (!checked.success)
    throw new NodeRenameError(`'${to}': ${checked.error.issues[0]?.message ?? 'not a node id'}`);
  if (graph.nodes.some((node) => node.id === to))
    throw new NodeRenameError(`a node has the id '${to}' already`);
  const nodes = graph.nodes.map((node) => {
    const definition = findNodeType(node.type);
    const plain = definition?.plainParams;
    const params = Object.fromEntries(
      Object.entries(node.params).map(([key, value]) => {
        if (plain === 'all') return [key, value];
        if (definition?.expressionParams?.includes(key))
          return [key, renameInExpression(String(value), from, to)];
        if (plain?.includes(key)) return [key, value];
        return [key, renameInValue(value, from, to)];
      }),
    );
    return { ...node, id: node.id === from ? to : node.id, params };
  });
  const edges = graph.edges.map((edge) => ({
    ...edge,
    source: edge.source === from ? to : edge.source,
    target: edge.target === from ? to : edge.target,
  }));
  return canonicalizeGraph({ nodes, edges });
}

function renameInValue(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') {
    const parts = templateParts(value);
    if (!parts.some((part) => 'expression' in part)) return value;
    return parts
      .map((part) => ('text' in part ? part.text : `{{ ${renameInExpression(part.expression, from, to)} }}`))
      .join('');
  }
  if (Array.isArray(value)) return value.map((item) => renameInValue(item, from, to));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, renameInValue(item, from, to)]),
    );
  }
  return value;
}

/** The expression with each free reference to `from` replaced, by position, the rest of its text kept. */
export function renameInExpression(text: string, from: string, to: string): string {
  if (!text.includes(from)) return text;
  const file = ts.createSourceFile(
    'expression.ts',
    `(${text}\n)`,
    ts.ScriptTarget.ES2022,
    true,
    ts.ScriptKind.TS,
  );
  const statement = file.statements[0];
  if (!statement || !ts.isExpressionStatement(statement)) return text;
  if (!freeIdentifiers(statement.expression).includes(from)) return text;
  const positions: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === from && isFreeReference(node))
      positions.push(node.getStart(file) - 1);
    ts.forEachChild(node, visit);
  };
  visit(statement.expression);
  let result = text;
  for (const at of positions.sort((a, b) => b - a))
    result = result.slice(0, at) + to + result.slice(at + from.length);
  return result;
}
