import { z } from 'zod';
import { compileGraph, type CompiledGraph } from '../compile/compile';
import { findNodeType, NODE_TYPE_NAMES } from '../nodes';
import type { NodeReferences, ParamReference } from '../nodes/types';
import { canonicalizeGraph, topologicalOrder } from './canonical';
import { errorsOf, graphIssue, type GraphIssue } from './issues';
import { graphSchema, type Graph, type GraphNode } from './model';
import { hasExpression } from './template';

/**
 * Everything the validator looks up outside the graph. The store builds it from the database
 * (engine/flows/graph-flows.ts); tests hand in their own.
 */
export type GraphContext = {
  /** The flow the graph belongs to: its own webhooks are no clash. */
  flowName?: string;
  flows: ReadonlySet<string>;
  /** Stored connections by name, with their connector type. */
  connections: ReadonlyMap<string, string>;
  /** The input schema of a connector type (undefined: no such type), and the known types. */
  connectorSchema(type: string): z.ZodObject | undefined;
  connectorTypes: readonly string[];
  /** Webhook names in use by other flows' current versions, with the flow that uses each. */
  webhookOwners: ReadonlyMap<string, string>;
};

export type GraphTypeChecker = (compiled: CompiledGraph, graph: Graph) => GraphIssue[];

export type GraphValidation = {
  /** The canonical graph; null when the input is not even of the graph's shape. */
  graph: Graph | null;
  issues: GraphIssue[];
  /** The compiled module, when the graph is free of errors. */
  compiled: CompiledGraph | null;
};

/**
 * Checks a graph as a whole and reports every finding at once, each naming the node and the
 * parameter path (docs/graph.md, "Validation"): the shape, ids, node types and params, edges and
 * handles, cycles and reachability, expressions (while compiling), then with a context the names it
 * refers to, and with a type checker the TypeScript types of expressions and scripts.
 */
export function validateGraph(
  input: unknown,
  options: { context?: GraphContext; typeCheck?: GraphTypeChecker } = {},
): GraphValidation {
  const parsed = graphSchema.safeParse(input);
  if (!parsed.success) return { graph: null, issues: shapeIssues(parsed.error, input), compiled: null };
  const graph = canonicalizeGraph(parsed.data);
  const issues = [...nodeIssues(graph), ...edgeIssues(graph)];
  if (errorsOf(issues).length === 0) issues.push(...cycleIssues(graph), ...reachabilityIssues(graph));
  if (options.context) issues.push(...referenceIssues(graph, options.context));
  if (errorsOf(issues).length > 0) return { graph, issues, compiled: null };
  const compiled = compileGraph(graph);
  issues.push(...compiled.issues);
  if (errorsOf(issues).length === 0 && options.typeCheck) issues.push(...options.typeCheck(compiled, graph));
  return { graph, issues, compiled: errorsOf(issues).length === 0 ? compiled : null };
}

/** Zod's findings on the shape, with `nodes[2]` named by the node's id where it has one. */
function shapeIssues(error: z.ZodError, input: unknown): GraphIssue[] {
  const nodes = (input as { nodes?: unknown[] } | null)?.nodes;
  return error.issues.map((issue) => {
    const [list, at, ...rest] = issue.path;
    const raw = list === 'nodes' && typeof at === 'number' && Array.isArray(nodes) ? nodes[at] : undefined;
    const id = (raw as { id?: unknown } | undefined)?.id;
    const named = typeof id === 'string' && id !== '' && rest[0] !== 'id';
    const path = named ? [id, ...rest].join('.') : formatPath(issue.path);
    return graphIssue(named ? id : null, path || 'graph', issue.message);
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );
}

function nodeIssues(graph: Graph): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const counts = new Map<string, number>();
  for (const node of graph.nodes) counts.set(node.id, (counts.get(node.id) ?? 0) + 1);
  const reported = new Set<string>();
  for (const node of graph.nodes) {
    const count = counts.get(node.id) ?? 0;
    if (count > 1 && !reported.has(node.id)) {
      reported.add(node.id);
      issues.push(
        graphIssue(
          node.id,
          `${node.id}.id`,
          `${count} nodes have the id '${node.id}'; an id is unique in its graph`,
        ),
      );
    }
    const definition = findNodeType(node.type);
    if (!definition) {
      issues.push(
        graphIssue(
          node.id,
          `${node.id}.type`,
          `unknown node type '${node.type}' (the types: ${NODE_TYPE_NAMES.join(', ')})`,
        ),
      );
      continue;
    }
    const params = definition.params.safeParse(node.params);
    if (!params.success) {
      for (const issue of params.error.issues) {
        issues.push(graphIssue(node.id, formatPath([node.id, 'params', ...issue.path]), issue.message));
      }
    }
    if (definition.plainParams === 'all') {
      for (const [key, value] of Object.entries(node.params)) {
        if (typeof value === 'string' && hasExpression(value)) {
          issues.push(
            graphIssue(
              node.id,
              `${node.id}.params.${key}`,
              'a trigger\u2019s params are fixed values, not {{ expressions }}',
            ),
          );
        }
      }
    }
  }
  return issues;
}

function edgeIssues(graph: Graph): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const nodes = new Map(graph.nodes.map((node) => [node.id, node]));
  const seen = new Map<string, number>();
  const perHandle = new Map<string, string[]>();
  graph.edges.forEach((edge, at) => {
    const where = `edges[${at}]`;
    const source = nodes.get(edge.source);
    const target = nodes.get(edge.target);
    if (!source) issues.push(graphIssue(null, `${where}.source`, `no node has the id '${edge.source}'`));
    if (!target)
      issues.push(graphIssue(source?.id ?? null, `${where}.target`, `no node has the id '${edge.target}'`));
    if (!source || !target) return;
    const key = `${edge.source}:${edge.sourceHandle}->${edge.target}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      issues.push(
        graphIssue(
          source.id,
          where,
          `the same edge as edges[${earlier}] (${edge.source}:${edge.sourceHandle} to ${edge.target})`,
        ),
      );
      return;
    }
    seen.set(key, at);
    if (edge.source === edge.target) {
      issues.push(graphIssue(source.id, where, `'${edge.source}' is connected to itself`));
    }
    if (findNodeType(target.type)?.trigger) {
      issues.push(
        graphIssue(source.id, `${where}.target`, `'${target.id}' is a trigger; no edge may lead into it`),
      );
    }
    const handles = outputsOf(source);
    if (handles && !handles.some((handle) => handle.id === edge.sourceHandle)) {
      const names = handles.map((handle) => handle.id).join(', ') || 'none';
      const hint = edge.sourceHandle === 'error' ? ' (set its on_error to continue for an error handle)' : '';
      issues.push(
        graphIssue(
          source.id,
          `${where}.sourceHandle`,
          `'${source.id}' (${source.type}) has no handle '${edge.sourceHandle}' (its handles: ${names})${hint}`,
        ),
      );
      return;
    }
    const handleKey = `${edge.source}:${edge.sourceHandle}`;
    perHandle.set(handleKey, [...(perHandle.get(handleKey) ?? []), edge.target]);
  });
  for (const node of graph.nodes) {
    for (const handle of outputsOf(node) ?? []) {
      const targets = perHandle.get(`${node.id}:${handle.id}`) ?? [];
      if (handle.max !== undefined && targets.length > handle.max) {
        issues.push(
          graphIssue(
            node.id,
            `${node.id}.handles.${handle.id}`,
            `the '${handle.id}' handle takes ${handle.max === 1 ? 'one edge' : `${handle.max} edges`}, and ${targets.length} leave it (to ${targets.join(', ')})`,
          ),
        );
      }
      if (handle.expected && targets.length === 0) {
        issues.push(
          graphIssue(
            node.id,
            `${node.id}.handles.${handle.id}`,
            `the '${handle.id}' branch leads nowhere`,
            'warning',
          ),
        );
      }
    }
  }
  return issues;
}

/** The handles of a node, from its params as they are (undefined for an unknown type). */
function outputsOf(node: GraphNode) {
  const definition = findNodeType(node.type);
  return definition?.outputs(node.params as never);
}

function cycleIssues(graph: Graph): GraphIssue[] {
  const ordered = topologicalOrder(graph);
  const children = new Map<string, string[]>();
  for (const edge of graph.edges)
    children.set(edge.source, [...(children.get(edge.source) ?? []), edge.target]);
  const acyclic = new Set<string>();
  const indegree = new Map<string, number>();
  for (const edge of graph.edges) indegree.set(edge.target, (indegree.get(edge.target) ?? 0) + 1);
  // Kahn's order places every node not on or after a cycle; what is left holds the cycles.
  let ready = graph.nodes.filter((node) => !indegree.get(node.id)).map((node) => node.id);
  while (ready.length > 0) {
    const next: string[] = [];
    for (const id of ready) {
      acyclic.add(id);
      for (const child of children.get(id) ?? []) {
        const left = (indegree.get(child) ?? 0) - 1;
        indegree.set(child, left);
        if (left === 0) next.push(child);
      }
    }
    ready = next;
  }
  const issues: GraphIssue[] = [];
  const onReportedCycle = new Set<string>();
  for (const node of ordered) {
    if (acyclic.has(node.id) || onReportedCycle.has(node.id)) continue;
    const cycle = findCycle(node.id, children, acyclic);
    if (!cycle) continue;
    cycle.forEach((id) => onReportedCycle.add(id));
    issues.push(
      graphIssue(
        cycle[0] ?? node.id,
        cycle[0] ?? node.id,
        `is on a cycle: ${[...cycle, cycle[0]].join(' \u2192 ')}; a graph's edges may not lead back`,
      ),
    );
  }
  return issues;
}

/** A cycle through the nodes Kahn's order could not place, found from `start` by depth-first search. */
function findCycle(
  start: string,
  children: Map<string, string[]>,
  acyclic: Set<string>,
): string[] | undefined {
  const path: string[] = [];
  const onPath = new Map<string, number>();
  const done = new Set<string>();
  const visit = (id: string): string[] | undefined => {
    onPath.set(id, path.length);
    path.push(id);
    for (const child of children.get(id) ?? []) {
      if (acyclic.has(child) || done.has(child)) continue;
      const at = onPath.get(child);
      if (at !== undefined) return path.slice(at);
      const found = visit(child);
      if (found) return found;
    }
    path.pop();
    onPath.delete(id);
    done.add(id);
    return undefined;
  };
  return visit(start);
}

/** With triggers, every other node must be reached from one: a node no trigger leads to would never run as meant. */
function reachabilityIssues(graph: Graph): GraphIssue[] {
  const triggers = graph.nodes.filter((node) => findNodeType(node.type)?.trigger);
  if (triggers.length === 0) return [];
  const children = new Map<string, string[]>();
  for (const edge of graph.edges)
    children.set(edge.source, [...(children.get(edge.source) ?? []), edge.target]);
  const reached = new Set(triggers.map((node) => node.id));
  const queue = [...reached];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const child of children.get(id) ?? []) {
      if (!reached.has(child)) {
        reached.add(child);
        queue.push(child);
      }
    }
  }
  return graph.nodes
    .filter((node) => !reached.has(node.id))
    .map((node) =>
      graphIssue(node.id, node.id, 'is unreachable: no trigger leads to it (connect it, or remove it)'),
    );
}

/** Flows, connections, connector types and webhook names the graph refers to (from the node types' references). */
function referenceIssues(graph: Graph, context: GraphContext): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const webhooks = new Map<string, string>();
  for (const node of graph.nodes) {
    const references = findNodeType(node.type)?.references?.(node.params as never);
    if (!references) continue;
    const at = (reference: ParamReference) => `${node.id}.params.${reference.path}`;
    const { flow, connector, webhook } = references;
    if (flow && isLiteralName(flow.value) && !context.flows.has(flow.value)) {
      issues.push(graphIssue(node.id, at(flow), `no flow is named '${flow.value}'`, 'warning'));
    }
    if (connector) issues.push(...connectorIssues(node.id, connector, context));
    if (webhook && typeof webhook.value === 'string') {
      const name = webhook.value;
      const other = webhooks.get(name);
      if (other)
        issues.push(
          graphIssue(node.id, at(webhook), `the webhook name '${name}' is used by node '${other}' too`),
        );
      webhooks.set(name, node.id);
      const owner = context.webhookOwners.get(name);
      if (owner !== undefined && owner !== context.flowName) {
        issues.push(
          graphIssue(
            node.id,
            at(webhook),
            `the webhook name '${name}' is used by flow '${owner}' too; webhook names are unique across flows`,
          ),
        );
      }
    }
  }
  return issues;
}

function isLiteralName(value: unknown): value is string {
  return typeof value === 'string' && !hasExpression(value);
}

/** A connector call: the connection or type must exist, and each literal input must suit the connector's field. */
function connectorIssues(
  nodeId: string,
  connector: NonNullable<NodeReferences['connector']>,
  context: GraphContext,
): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const at = (reference: ParamReference) => `${nodeId}.params.${reference.path}`;
  let type: string | undefined;
  const { connection, connectorType, inputs } = connector;
  if (connection && isLiteralName(connection.value)) {
    type = context.connections.get(connection.value);
    if (type === undefined) {
      issues.push(
        graphIssue(nodeId, at(connection), `no connection is named '${connection.value}'`, 'warning'),
      );
    }
  } else if (connectorType && isLiteralName(connectorType.value)) {
    type = connectorType.value;
    if (!context.connectorSchema(type)) {
      issues.push(
        graphIssue(
          nodeId,
          at(connectorType),
          `unknown connector type '${type}' (the types: ${context.connectorTypes.join(', ')})`,
        ),
      );
      type = undefined;
    }
  }
  const schema = type === undefined ? undefined : context.connectorSchema(type);
  const values = inputs?.value;
  if (!schema || !inputs || typeof values !== 'object' || values === null || Array.isArray(values))
    return issues;
  for (const [field, value] of Object.entries(values)) {
    const path = `${at(inputs)}.${field}`;
    const fieldSchema = (schema.shape as Record<string, z.ZodType>)[field];
    if (!fieldSchema) {
      issues.push(
        graphIssue(
          nodeId,
          path,
          `${type} has no field '${field}' (its fields: ${Object.keys(schema.shape).join(', ')})`,
        ),
      );
      continue;
    }
    if (containsExpression(value)) continue; // known only at run time
    const checked = fieldSchema.safeParse(value);
    if (!checked.success) {
      for (const issue of checked.error.issues)
        issues.push(graphIssue(nodeId, formatPath([path, ...issue.path]), issue.message));
    }
  }
  return issues;
}

function containsExpression(value: unknown): boolean {
  if (typeof value === 'string') return hasExpression(value);
  if (Array.isArray(value)) return value.some(containsExpression);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(containsExpression);
  return false;
}
