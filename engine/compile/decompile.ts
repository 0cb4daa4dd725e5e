import ts from 'typescript';
import { UserError } from '../errors';
import { canonicalizeGraph } from '../graph/canonical';
import {
  NODE_HANDLES,
  NODE_ID_PATTERN,
  type Graph,
  type GraphEdge,
  type GraphNode,
  type NodeHandleId,
} from '../graph/model';
import { findNodeType, nodeTypes } from '../nodes';
import { scriptNode } from '../nodes/script';
import { NOT_IN_SHAPE, type Code, type NodeReader, type NodeType, type Read } from '../nodes/types';
import { MARKER_PATTERN } from './compile';
import { parseDiagnosticsOf } from './expressions';

/**
 * Code -> graph (docs/graph.md, "Back from code"): code in the compiled module's shape reads back into
 * the graph it came from, so a change made in code (a param, a new node call, a rewired `after`
 * list) shows on the canvas. Only the skeleton is read, never reprinted:
 * - the handler's frame (`const input = this.input; const graph = this.graph(); ... return graph.done();`)
 *   and one `graph.node(...)` call per node between them; anything else is refused with its line;
 * - a node call whose body no node type reads (a hand-edited region) becomes a script node holding
 *   that body, as MakeCode turns code it cannot show as blocks into a grey block;
 * - comments: the marker names the node and its position, the other comments of the call become its
 *   notes (written back above it).
 */
export class NotGraphShapedError extends UserError {
  override name = 'NotGraphShapedError';
  readonly kind = 'invalid';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export function decompileGraph(source: string): Graph {
  const file = ts.createSourceFile('flow.ts', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const syntaxError = parseDiagnosticsOf(file)[0];
  if (syntaxError) {
    throw new NotGraphShapedError(
      `syntax error: ${ts.flattenDiagnosticMessageText(syntaxError.messageText, ' ')}`,
      lineOf(file, syntaxError.start),
    );
  }
  const statements = handlerBody(file);
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const seen = new Set<string>();
  for (const statement of statements) {
    const node = readNodeStatement(file, statement, seen);
    for (const ref of node.after) {
      const [source = '', handle = 'out'] = ref.split(':');
      if (!seen.has(source)) {
        refuse(file, statement, `'${node.node.id}' runs after '${source}', which is no node before it`);
      }
      if (!NODE_HANDLES.includes(handle as NodeHandleId)) {
        refuse(file, statement, `'${handle}' is not a handle (handles: ${NODE_HANDLES.join(', ')})`);
      }
      edges.push({ source, sourceHandle: handle as NodeHandleId, target: node.node.id });
    }
    seen.add(node.node.id);
    nodes.push(node.node);
  }
  return canonicalizeGraph({ nodes, edges });
}

const FRAME_HEAD = ['const input = this.input;', 'const graph = this.graph();'];
const FRAME_TAIL = 'return graph.done();';

/** The node statements of `export default async function handler(...) { <frame> ... }`. */
function handlerBody(file: ts.SourceFile): ts.Statement[] {
  const handler = file.statements.find(isDefaultExportedFunction);
  for (const statement of file.statements) {
    if (statement !== handler) refuse(file, statement, 'a graph\u2019s code holds nothing but its handler');
  }
  if (!handler?.body) {
    throw new NotGraphShapedError(
      'a graph\u2019s code is `export default async function handler(...) { ... }`',
      1,
    );
  }
  const body = [...handler.body.statements];
  FRAME_HEAD.forEach((expected, at) => {
    const statement = body[at];
    if (!statement || squash(statement.getText(file)) !== squash(expected)) {
      refuse(file, statement ?? handler, `a graph\u2019s handler starts with \`${FRAME_HEAD.join(' ')}\``);
    }
  });
  const last = body[body.length - 1];
  if (body.length < FRAME_HEAD.length + 1 || !last || squash(last.getText(file)) !== squash(FRAME_TAIL)) {
    refuse(file, last ?? handler, `a graph\u2019s handler ends with \`${FRAME_TAIL}\``);
  }
  return body.slice(FRAME_HEAD.length, -1);
}

function isDefaultExportedFunction(statement: ts.Statement): statement is ts.FunctionDeclaration {
  if (!ts.isFunctionDeclaration(statement)) return false;
  const modifiers = ts.getModifiers(statement)?.map((modifier) => modifier.kind) ?? [];
  return modifiers.includes(ts.SyntaxKind.ExportKeyword) && modifiers.includes(ts.SyntaxKind.DefaultKeyword);
}

type ReadNode = { node: GraphNode; after: string[] };

/** `graph.node('<id>', [<after>], async (<upstream>) => <body>, <options>?);` with its comments. */
function readNodeStatement(file: ts.SourceFile, statement: ts.Statement, seen: Set<string>): ReadNode {
  const shape =
    'only graph.node(...) calls may stand between `const graph = this.graph();` and `return graph.done();`';
  if (!ts.isExpressionStatement(statement) || !ts.isCallExpression(statement.expression))
    refuse(file, statement, shape);
  const call = statement.expression as ts.CallExpression;
  if (squash(call.expression.getText(file)) !== 'graph.node') refuse(file, statement, shape);
  const [idArg, afterArg, bodyArg, optionsArg, ...extra] = call.arguments;
  if (!idArg || !ts.isStringLiteral(idArg) || !NODE_ID_PATTERN.test(idArg.text)) {
    refuse(file, statement, 'a node call starts with the node id, a string such as \u2019fetch_orders\u2019');
  }
  const id = (idArg as ts.StringLiteral).text;
  if (seen.has(id)) refuse(file, statement, `a second node has the id '${id}'`);
  const after = afterArg && ts.isArrayLiteralExpression(afterArg) ? afterArg.elements : undefined;
  if (!after || !after.every(ts.isStringLiteral)) {
    refuse(file, statement, `the second argument of '${id}' is the list of nodes it runs after, as strings`);
  }
  if (!bodyArg || !ts.isArrowFunction(bodyArg) || extra.length > 0) {
    refuse(file, statement, `node '${id}' is \`graph.node(id, after, async (upstream) => ..., options?)\``);
  }
  const arrow = bodyArg as ts.ArrowFunction;
  const options = optionsArg ? readValue(file, optionsArg, false) : {};
  if (options === NOT_IN_SHAPE || typeof options !== 'object' || options === null || Array.isArray(options)) {
    refuse(file, statement, `the options of node '${id}' are an object of plain values (retries, on_error)`);
  }
  const { marker, notes } = commentsOf(file, statement);
  const preferred = marker?.id === id ? findNodeType(marker.type) : undefined;
  const nodeOptions = options as Record<string, unknown>;
  const read = readBody(file, arrow, id, nodeOptions, preferred) ?? greyScript(file, arrow, nodeOptions);
  const position = marker?.id === id ? marker.position : undefined;
  const node: GraphNode = {
    id,
    type: read.type,
    ...(position && { position }),
    ...(notes && { notes }),
    params: read.params,
  };
  return { node, after: (after as ts.NodeArray<ts.StringLiteral>).map((literal) => literal.text) };
}

/** The first node type that reads the body (the marker's first), with the step options merged in. */
function readBody(
  file: ts.SourceFile,
  arrow: ts.ArrowFunction,
  id: string,
  options: Record<string, unknown>,
  preferred: NodeType | undefined,
): { type: string; params: Record<string, unknown> } | undefined {
  const candidates = preferred ? [preferred, ...nodeTypes.filter((type) => type !== preferred)] : nodeTypes;
  for (const definition of candidates) {
    if (!definition.step && Object.keys(options).length > 0) continue;
    const reader = new BodyReader(file, id);
    const params = definition.read(arrow.body as unknown as Code, reader);
    if (!params || reader.strayOptions) continue;
    return {
      type: definition.type,
      params: withoutUndefined({ ...params, timeout_seconds: reader.timeoutSeconds, ...options }),
    };
  }
  return undefined;
}

/** A hand-edited body no node type reads: a script node running that body, its upstream as input. */
function greyScript(
  file: ts.SourceFile,
  arrow: ts.ArrowFunction,
  options: Record<string, unknown>,
): { type: string; params: Record<string, unknown> } {
  const names = upstreamNames(arrow);
  const body = ts.isBlock(arrow.body)
    ? dedent(file.text.slice(arrow.body.getStart(file) + 1, arrow.body.end - 1))
    : `return ${arrow.body.getText(file)};`;
  const code = names.length === 0 ? body : `const { ${names.join(', ')} } = input;\n${body}`;
  const input = Object.fromEntries(names.map((name) => [name, `{{ ${name} }}`]));
  const stepOptions = Object.fromEntries(
    Object.entries(options).filter(([key]) => key === 'retries' || key === 'on_error'),
  );
  return {
    type: scriptNode.type,
    params: withoutUndefined({ code, input: names.length === 0 ? undefined : input, ...stepOptions }),
  };
}

function upstreamNames(arrow: ts.ArrowFunction): string[] {
  const pattern = arrow.parameters[0]?.name;
  if (!pattern || !ts.isObjectBindingPattern(pattern)) return [];
  return pattern.elements.flatMap((element) => (ts.isIdentifier(element.name) ? [element.name.text] : []));
}

type Marker = { id: string; type: string; position?: { x: number; y: number } };

/** The marker comment (`// ── id · type · at x,y`) and every other comment of the statement, as notes. */
function commentsOf(file: ts.SourceFile, statement: ts.Statement): { marker?: Marker; notes?: string } {
  let marker: Marker | undefined;
  const notes: string[] = [];
  for (const range of commentRanges(file, statement)) {
    const text = file.text.slice(range.pos, range.end);
    const match = MARKER_PATTERN.exec(text);
    if (match && !marker) {
      const [x, y] = [Number(match[3]), Number(match[4])];
      marker = {
        id: match[1] as string,
        type: match[2] as string,
        ...(match[3] !== undefined && Number.isFinite(x) && Number.isFinite(y) && { position: { x, y } }),
      };
      continue;
    }
    notes.push(...commentText(text));
  }
  return { marker, ...(notes.length > 0 && { notes: notes.join('\n') }) };
}

/** Every comment before the statement and inside it, in order, each once. */
function commentRanges(file: ts.SourceFile, statement: ts.Statement): ts.CommentRange[] {
  const ranges = new Map<number, ts.CommentRange>();
  const add = (found: ts.CommentRange[] | undefined) =>
    found?.forEach((range) => ranges.set(range.pos, range));
  add(ts.getLeadingCommentRanges(file.text, statement.getFullStart()));
  const visit = (node: ts.Node): void => {
    if (node !== statement) add(ts.getLeadingCommentRanges(file.text, node.getFullStart()));
    add(ts.getTrailingCommentRanges(file.text, node.end));
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(statement, visit);
  return [...ranges.values()].filter((range) => range.pos < statement.end).sort((a, b) => a.pos - b.pos);
}

function commentText(comment: string): string[] {
  if (comment.startsWith('//')) return [comment.slice(2).replace(/^ /, '')];
  const inner = comment.slice(2, -2);
  if (!inner.includes('\n')) return [inner.trim()];
  return inner
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trimEnd())
    .filter((line, at, lines) => line !== '' || (at > 0 && at < lines.length - 1));
}

/** The reader a node type's `read` works with: each method looks at one shape of the TypeScript AST. */
class BodyReader implements NodeReader {
  timeoutSeconds: number | undefined;
  strayOptions = false;

  constructor(
    private readonly file: ts.SourceFile,
    private readonly nodeId: string,
  ) {}

  call(code: Code, callee: string): Code[] | undefined {
    let node = unwrap(asNode(code));
    if (ts.isAwaitExpression(node)) node = unwrap(node.expression);
    if (!ts.isCallExpression(node) || squash(node.expression.getText(this.file)) !== callee) return undefined;
    return node.arguments.map((argument) => argument as unknown as Code);
  }

  statements(body: Code): Code[] | undefined {
    const node = asNode(body);
    return ts.isBlock(node) ? node.statements.map((statement) => statement as unknown as Code) : undefined;
  }

  ifReturn(statement: Code): { test: string; value: Code } | undefined {
    const node = asNode(statement);
    if (!ts.isIfStatement(node) || node.elseStatement) return undefined;
    const value = this.returned(node.thenStatement as unknown as Code);
    return value && { test: node.expression.getText(this.file), value };
  }

  returned(statement: Code): Code | undefined {
    let node = asNode(statement);
    if (ts.isBlock(node) && node.statements.length === 1) node = node.statements[0] as ts.Statement;
    return ts.isReturnStatement(node) && node.expression ? (node.expression as unknown as Code) : undefined;
  }

  awaited(statement: Code): Code | undefined {
    const node = asNode(statement);
    return ts.isExpressionStatement(node) && ts.isAwaitExpression(node.expression)
      ? (node.expression.expression as unknown as Code)
      : undefined;
  }

  value(code: Code): Read<unknown> {
    return readValue(this.file, asNode(code), true);
  }

  literal(code: Code): Read<unknown> {
    return readValue(this.file, asNode(code), false);
  }

  code(code: Code): string | undefined {
    const node = asNode(code);
    return ts.isNoSubstitutionTemplateLiteral(node) || ts.isStringLiteral(node) ? node.text : undefined;
  }

  childOptions(code: Code | undefined): Record<string, unknown> | undefined {
    const options = code === undefined ? NOT_IN_SHAPE : this.literal(code);
    if (
      options === NOT_IN_SHAPE ||
      typeof options !== 'object' ||
      options === null ||
      Array.isArray(options)
    ) {
      return undefined;
    }
    const { nodeId, timeoutSeconds, ...rest } = options as Record<string, unknown>;
    if (nodeId !== this.nodeId) return undefined;
    if (timeoutSeconds !== undefined) {
      if (typeof timeoutSeconds !== 'number') return undefined;
      this.timeoutSeconds = timeoutSeconds;
    }
    return rest;
  }

  absent(code: Code | undefined): boolean {
    if (code === undefined) return true;
    const node = asNode(code);
    return ts.isIdentifier(node) && node.text === 'undefined';
  }
}

/**
 * A param value written in code, as the graph holds it: literals as JSON, an expression as
 * `{{ expression }}` (one pair of parentheses around it dropped: the compiler adds them), a template
 * literal as text with `{{ }}` in it. NOT_IN_SHAPE for what a graph cannot hold.
 */
function readValue(file: ts.SourceFile, node: ts.Node, expressions: boolean): Read<unknown> {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    // A literal that looks like a template would compile to an expression: not what the code says.
    return expressions && /\{\{[\s\S]*?\}\}/.test(node.text) ? NOT_IN_SHAPE : node.text;
  }
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (
    ts.isPrefixUnaryExpression(node) &&
    node.operator === ts.SyntaxKind.MinusToken &&
    ts.isNumericLiteral(node.operand)
  ) {
    return -Number(node.operand.text);
  }
  if (node.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (node.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (node.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isArrayLiteralExpression(node)) {
    const items: unknown[] = [];
    for (const element of node.elements) {
      const item = ts.isSpreadElement(element) ? NOT_IN_SHAPE : readValue(file, element, expressions);
      if (item === NOT_IN_SHAPE) return NOT_IN_SHAPE;
      items.push(item);
    }
    return items;
  }
  if (ts.isObjectLiteralExpression(node)) {
    const object: Record<string, unknown> = {};
    for (const property of node.properties) {
      const entry = readProperty(file, property, expressions);
      if (entry === NOT_IN_SHAPE) return NOT_IN_SHAPE;
      object[entry[0]] = entry[1];
    }
    return object;
  }
  if (!expressions) return NOT_IN_SHAPE;
  if (ts.isTemplateExpression(node)) {
    let text = node.head.text;
    for (const span of node.templateSpans) {
      // One pair of parentheses is the compiler's, as in a value.
      const expression = ts.isParenthesizedExpression(span.expression)
        ? span.expression.expression
        : span.expression;
      text += `{{ ${expressionText(file, expression)} }}${span.literal.text}`;
    }
    return sameTemplate(node, text) ? text : NOT_IN_SHAPE;
  }
  const expression = ts.isParenthesizedExpression(node) ? node.expression : node;
  const text = expressionText(file, expression);
  return text.includes('}}') ? NOT_IN_SHAPE : `{{ ${text} }}`;
}

function readProperty(
  file: ts.SourceFile,
  property: ts.ObjectLiteralElementLike,
  expressions: boolean,
): Read<[string, unknown]> {
  if (ts.isShorthandPropertyAssignment(property) && expressions) {
    return [property.name.text, `{{ ${property.name.text} }}`];
  }
  if (!ts.isPropertyAssignment(property)) return NOT_IN_SHAPE;
  const name = property.name;
  if (!ts.isIdentifier(name) && !ts.isStringLiteral(name) && !ts.isNumericLiteral(name)) return NOT_IN_SHAPE;
  const value = readValue(file, property.initializer, expressions);
  return value === NOT_IN_SHAPE ? NOT_IN_SHAPE : [name.text, value];
}

function expressionText(file: ts.SourceFile, node: ts.Node): string {
  return node.getText(file).trim();
}

/** A template's text parts must not themselves hold `{{ }}`, or reading them back would split differently. */
function sameTemplate(node: ts.TemplateExpression, text: string): boolean {
  const parts = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)];
  return !parts.some((part) => part.includes('{{') || part.includes('}}')) && text.length > 0;
}

function unwrap(node: ts.Node): ts.Node {
  return ts.isParenthesizedExpression(node) ? unwrap(node.expression) : node;
}

function asNode(code: Code): ts.Node {
  return code as unknown as ts.Node;
}

function withoutUndefined(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
}

function refuse(file: ts.SourceFile, node: ts.Node, message: string): never {
  throw new NotGraphShapedError(message, lineOf(file, node.getStart(file)));
}

function lineOf(file: ts.SourceFile, position: number | undefined): number {
  return file.getLineAndCharacterOfPosition(position ?? 0).line + 1;
}

function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/** Removes the indentation every non-blank line shares, and the blank first and last lines. */
function dedent(text: string): string {
  const lines = text
    .replace(/^\s*\n/, '')
    .replace(/\n\s*$/, '')
    .split('\n');
  const widths = lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)?.[0].length ?? 0);
  const common = widths.length === 0 ? 0 : Math.min(...widths);
  return lines.map((line) => line.slice(common)).join('\n');
}
