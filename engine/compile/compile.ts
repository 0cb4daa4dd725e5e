import { canonicalizeGraph } from '../graph/canonical';
import { graphIssue, type GraphIssue } from '../graph/issues';
import { edgeSourceRef, NODE_ID_PATTERN, type Graph, type GraphNode } from '../graph/model';
import { findNodeType } from '../nodes';
import type { NodeEmitter } from '../nodes/types';
import { checkExpression } from './expressions';
import { emitFragment, emitLiteral, emitTemplateText, quote, type Fragment } from './values';

/**
 * Graph -> TypeScript: a handler module that runs on the engine like any code flow (docs/graph.md,
 * "The compiled module"). One `graph.node(...)` statement per node, in the graph's canonical order (a
 * topological one), each after a marker comment naming the node; the flow API's `this.graph()` runs
 * each node once the nodes before it are done, so independent branches run concurrently. The same
 * graph always gives the same text.
 *
 * Expressions are checked here as they are written (one expression each, references upstream only),
 * so the validator reports what the compiler finds; the type check reads the spans to map its
 * diagnostics back to a node and parameter.
 */
export type CompiledGraph = {
  code: string;
  /** Each node's statement (marker comment included), by 1-based line: runtime errors map back by it. */
  nodes: CompiledNode[];
  /** Where each param's value went in the code. */
  spans: ParamSpan[];
  /** Expressions that cannot be compiled as written (the validator reports them). */
  issues: GraphIssue[];
};

export type CompiledNode = { id: string; type: string; line: number; endLine: number };
export type ParamSpan = { node: string; path: string; start: number; end: number };

export const GRAPH_MODULE_HEAD = `// Compiled by Flowline from this flow's graph (docs/graph.md): each graph.node(...) is one node.
// A node runs once the nodes before it are done, if an edge into it was taken.
export default async function handler(this: Execution, system: System) {
  const input = this.input;
  const graph = this.graph();
`;
export const GRAPH_MODULE_TAIL = `
  return graph.done();
}
`;

/** Names an expression may read beside `input` and the upstream nodes (lower-case ones; the rest is for the type check). */
const EXPRESSION_GLOBALS = new Set([
  'input',
  'system',
  'console',
  'undefined',
  'globalThis',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'encodeURIComponent',
  'decodeURIComponent',
  'encodeURI',
  'decodeURI',
  'atob',
  'btoa',
  'structuredClone',
]);

export function compileGraph(input: Graph): CompiledGraph {
  const graph = canonicalizeGraph(input);
  const builder = new ModuleBuilder();
  const issues: GraphIssue[] = [];
  const ancestry = new Ancestry(graph);
  const ids = new Set(graph.nodes.map((node) => node.id));
  const incoming = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const list = incoming.get(edge.target);
    if (list) list.push(edgeSourceRef(edge));
    else incoming.set(edge.target, [edgeSourceRef(edge)]);
  }
  builder.text(GRAPH_MODULE_HEAD);
  const nodes: CompiledNode[] = [];
  for (const node of graph.nodes) {
    const definition = findNodeType(node.type);
    if (!definition) continue; // the validator reports it
    const scope = {
      node,
      isUpstream: (id: string) => ancestry.isAncestor(id, node.id),
      ids,
      issues,
      used: new Set<string>(),
    };
    const body = definition.emit(node.params as never, nodeEmitter(builder, scope));
    builder.text('\n');
    const line = builder.line() + 1;
    builder.text(markerComment(node));
    const after = `[${(incoming.get(node.id) ?? []).map(quote).join(', ')}]`;
    const used = ancestry.sort(scope.used);
    const parameters = used.length === 0 ? '()' : `({ ${used.join(', ')} })`;
    const head = `  graph.node(${quote(node.id)}, ${after}, async ${parameters} =>`;
    const options = definition.step ? nodeOptions(node) : '';
    if (body.startsWith('{')) {
      builder.text(`${head} `);
      builder.resolve(body);
      builder.text(options ? `, ${options});\n` : ');\n');
    } else {
      builder.text(`${head}\n    `);
      builder.resolve(body);
      builder.text(options ? `,\n    ${options});\n` : ');\n');
    }
    nodes.push({ id: node.id, type: node.type, line, endLine: builder.line() });
  }
  builder.text(GRAPH_MODULE_TAIL);
  return { code: builder.code(), nodes, spans: builder.spans, issues };
}

/** `// ── <id> · <type> · at <x>,<y>`, then the node's notes, one comment line each. */
function markerComment(node: GraphNode): string {
  const at = node.position ? ` · at ${node.position.x},${node.position.y}` : '';
  const notes =
    node.notes === undefined
      ? []
      : node.notes.split('\n').map((line) => `  //${line === '' ? '' : ` ${line}`}`);
  return [`  // ── ${node.id} · ${node.type}${at}`, ...notes].join('\n') + '\n';
}

export const MARKER_PATTERN = /^\/\/ ── ([a-z_][a-z0-9_]*) · ([a-z_][a-z0-9_]*)(?: · at (\S+),(\S+))?$/;

/** A step's `retries` and `on_error`, the options of its graph.node(...) call. */
function nodeOptions(node: GraphNode): string {
  const options: Record<string, unknown> = {};
  for (const key of ['retries', 'on_error'] as const) {
    if (node.params[key] !== undefined) options[key] = node.params[key];
  }
  return Object.keys(options).length === 0 ? '' : emitLiteral(options);
}

type EmitScope = {
  node: GraphNode;
  isUpstream(id: string): boolean;
  ids: ReadonlySet<string>;
  issues: GraphIssue[];
  used: Set<string>;
};

function nodeEmitter(builder: ModuleBuilder, scope: EmitScope): NodeEmitter {
  const { node } = scope;
  const paramPath = (path: string) => `${node.id}.params.${path}`;
  /** A checked expression as code (undefined where it is refused); `bare` when it is a property chain. */
  const checkedExpression = (text: string, path: string): { code: string; bare: boolean } => {
    const check = checkExpression(text);
    if (!check.ok) {
      scope.issues.push(graphIssue(node.id, paramPath(path), check.message));
      return { code: 'undefined', bare: true };
    }
    for (const name of check.references) noteReference(scope, name, paramPath(path));
    return { code: text, bare: check.bare };
  };
  /** In a value, an expression that is not a property chain is parenthesized: that is how it reads back as one. */
  const expressionCode = (text: string, path: string): string => {
    const { code, bare } = checkedExpression(text, path);
    return bare ? code : `(${code})`;
  };
  return {
    value(value, path) {
      const fragment = emitFragment(value, {
        indent: '    ',
        string: (text, at) => templateCode(text, at, expressionCode),
        path,
      });
      return builder.piece(fragment.text, path, node.id, fragment.spans);
    },
    text(value, path) {
      const code = templateCode(value, path, expressionCode);
      // A lone expression is interpolated too: the param is text, whatever the expression gives.
      const text = code.startsWith("'") || code.startsWith('`') ? code : `\`\${${code}}\``;
      return builder.piece(text, path, node.id);
    },
    expression: (text, path) => builder.piece(checkedExpression(text, path).code, path, node.id),
    literal: (value) => emitLiteral(value),
    code: (text, path) => builder.piece(`\`${emitTemplateText(text)}\``, path, node.id),
    childOptions(extra = {}) {
      const options: Record<string, unknown> = { nodeId: node.id };
      if (node.params.timeout_seconds !== undefined) options.timeoutSeconds = node.params.timeout_seconds;
      return emitLiteral({ ...options, ...extra });
    },
  };
}

/** A param string as code: plain text a string literal, one `{{ }}` its expression, mixed a template literal. */
function templateCode(
  text: string,
  path: string,
  expression: (text: string, path: string) => string,
): string {
  const parts = [...text.matchAll(/\{\{([\s\S]*?)\}\}/g)];
  if (parts.length === 0) return quote(text);
  const only = parts[0];
  if (parts.length === 1 && only && only.index === 0 && only[0].length === text.length) {
    return expression((only[1] ?? '').trim(), path);
  }
  let code = '`';
  let last = 0;
  for (const part of parts) {
    code += emitTemplateText(text.slice(last, part.index));
    code += `\${${expression((part[1] ?? '').trim(), path)}}`;
    last = part.index + part[0].length;
  }
  return `${code}${emitTemplateText(text.slice(last))}\``;
}

function noteReference(scope: EmitScope, name: string, path: string): void {
  const { node } = scope;
  if (scope.ids.has(name)) {
    if (name === node.id) {
      scope.issues.push(graphIssue(node.id, path, `refers to its own node '${name}'`));
    } else if (!scope.isUpstream(name)) {
      scope.issues.push(
        graphIssue(node.id, path, `refers to node '${name}', which is not upstream of '${node.id}'`),
      );
    } else {
      scope.used.add(name);
    }
    return;
  }
  if (name === 'graph' || name === 'handler') {
    scope.issues.push(
      graphIssue(node.id, path, `'${name}' is the compiled flow's own; an expression may not use it`),
    );
    return;
  }
  if (NODE_ID_PATTERN.test(name) && !EXPRESSION_GLOBALS.has(name)) {
    scope.issues.push(
      graphIssue(node.id, path, `refers to '${name}', which is neither \`input\` nor a node of this graph`),
    );
  }
}

/**
 * Every node's ancestors (the nodes a path of edges leads from), as one bit set per node over the
 * nodes' indexes, filled in one pass in topological order: a 5,000-node graph is a few MB and a few
 * ms, where sets of ids would cost seconds.
 */
class Ancestry {
  private readonly bits: Uint32Array[] = [];
  private readonly index = new Map<string, number>();

  constructor(graph: Graph) {
    const words = Math.ceil(graph.nodes.length / 32) || 1;
    graph.nodes.forEach((node, at) => this.index.set(node.id, at));
    const parents = new Map<string, string[]>();
    for (const edge of graph.edges) {
      const list = parents.get(edge.target);
      if (list) list.push(edge.source);
      else parents.set(edge.target, [edge.source]);
    }
    graph.nodes.forEach((node) => {
      const set = new Uint32Array(words);
      for (const parent of parents.get(node.id) ?? []) {
        const at = this.index.get(parent);
        if (at === undefined) continue;
        set[at >> 5]! |= 1 << (at & 31);
        const above = this.bits[at];
        if (above) for (let word = 0; word < words; word++) set[word]! |= above[word]!;
      }
      this.bits.push(set);
    });
  }

  isAncestor(candidate: string, of: string): boolean {
    const at = this.index.get(candidate);
    const set = this.bits[this.index.get(of) ?? -1];
    return at !== undefined && set !== undefined && (set[at >> 5]! & (1 << (at & 31))) !== 0;
  }

  /** Node ids in the graph's order. */
  sort(ids: Iterable<string>): string[] {
    return [...ids].sort((a, b) => (this.index.get(a) ?? 0) - (this.index.get(b) ?? 0));
  }
}

/**
 * The module's text, built piece by piece. A node type's emit returns its body with placeholders for
 * the param values it wrote; resolving them here is what tells where each value lands in the code.
 */
class ModuleBuilder {
  private chunks: string[] = [];
  private length = 0;
  private lines = 0;
  private pieces: { text: string; path: string; node: string; inner: Fragment['spans'] }[] = [];
  readonly spans: ParamSpan[] = [];

  text(text: string): void {
    this.chunks.push(text);
    this.length += text.length;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) this.lines += 1;
  }

  /** A placeholder for a param's code, replaced (and its span recorded) by resolve(). */
  piece(text: string, path: string, node: string, inner: Fragment['spans'] = []): string {
    this.pieces.push({ text, path, node, inner });
    return `\u0000${this.pieces.length - 1}\u0000`;
  }

  resolve(body: string): void {
    body.split('\u0000').forEach((part, at) => {
      if (at % 2 === 0) return this.text(part);
      const piece = this.pieces[Number(part)];
      if (!piece) return;
      const start = this.length;
      this.text(piece.text);
      this.spans.push({ node: piece.node, path: piece.path, start, end: this.length });
      for (const span of piece.inner) {
        this.spans.push({
          node: piece.node,
          path: span.path,
          start: start + span.start,
          end: start + span.end,
        });
      }
    });
    this.pieces = [];
  }

  /** Lines written so far (the 0-based line the next text starts on). */
  line(): number {
    return this.lines;
  }

  code(): string {
    return this.chunks.join('');
  }
}
