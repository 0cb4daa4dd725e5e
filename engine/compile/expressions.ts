import ts from 'typescript';

/**
 * The `{{ expressions }}` of a graph, checked before they become code (docs/graph.md, "Expressions").
 * An expression is inserted into the compiled module as written, so it must be one expression and
 * nothing else: `a), evil(), (b` or a statement is refused here, before any code is written.
 */

export type ExpressionCheck =
  { ok: true; references: string[]; bare: boolean } | { ok: false; message: string };

/** A path of property reads from a name (`fetch_orders.output.json[0].id`): written bare, read fast. */
const PROPERTY_CHAIN =
  /^[A-Za-z_$][\w$]*(?:\s*(?:\?\.|\.)\s*[A-Za-z_$][\w$]*|\s*(?:\?\.)?\[\s*(?:\d+|'[^'\\\n]*'|"[^"\\\n]*")\s*\])*$/;

const MAX_EXPRESSION_CHARS = 64 * 1024;

/** Words a property chain may start with that name no variable (`this.id`, `true`). */
const KEYWORD_VALUES = new Set(['this', 'true', 'false', 'null']);

export function checkExpression(text: string): ExpressionCheck {
  if (text === '') return { ok: false, message: 'the expression is empty' };
  if (text.length > MAX_EXPRESSION_CHARS)
    return { ok: false, message: `an expression has at most ${MAX_EXPRESSION_CHARS} characters` };
  if (PROPERTY_CHAIN.test(text)) {
    const root = /^[A-Za-z_$][\w$]*/.exec(text)?.[0] ?? '';
    return { ok: true, references: KEYWORD_VALUES.has(root) ? [] : [root], bare: true };
  }
  // Parsed as `(text\n)`: one parenthesized expression must span it all. The newline ends a line comment.
  const wrapped = `(${text}\n)`;
  const file = ts.createSourceFile('expression.ts', wrapped, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const syntaxError = parseDiagnosticsOf(file)[0];
  if (syntaxError) {
    return {
      ok: false,
      message: `not an expression: ${ts.flattenDiagnosticMessageText(syntaxError.messageText, ' ')}`,
    };
  }
  const statement = file.statements[0];
  if (
    file.statements.length !== 1 ||
    !statement ||
    !ts.isExpressionStatement(statement) ||
    !ts.isParenthesizedExpression(statement.expression) ||
    statement.expression.getStart(file) !== 0 ||
    statement.expression.end !== wrapped.length
  ) {
    return { ok: false, message: 'not one expression (statements, or text after the expression)' };
  }
  // Written into code as `(text)` or `if (text)`, so a line comment at its end would swallow the `)`.
  const closed = ts.createSourceFile(
    'expression.ts',
    `(${text})`,
    ts.ScriptTarget.ES2022,
    false,
    ts.ScriptKind.TS,
  );
  if (parseDiagnosticsOf(closed).length > 0) {
    return { ok: false, message: 'an expression may not end with a // comment' };
  }
  return { ok: true, references: freeIdentifiers(statement.expression.expression), bare: false };
}

/**
 * The syntax errors ts.createSourceFile found. `parseDiagnostics` is internal to TypeScript (stable for
 * years, and what its own services read); a full Program only for syntax would cost far more.
 */
export function parseDiagnosticsOf(file: ts.SourceFile): readonly ts.DiagnosticWithLocation[] {
  return (file as unknown as { parseDiagnostics?: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
}

/**
 * The names an expression reads that it does not bind itself: `items.map((i) => i.id)` reads `items`.
 * Names bound anywhere inside (parameters, declarations) are left out everywhere: a close enough view
 * of scope for telling node references from the rest, which the type check then sees exactly.
 */
export function freeIdentifiers(expression: ts.Node): string[] {
  const used = new Set<string>();
  const bound = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node)) return;
    if (ts.isIdentifier(node)) {
      if (isReference(node)) used.add(node.text);
      return;
    }
    if (
      (ts.isParameter(node) || ts.isVariableDeclaration(node) || ts.isBindingElement(node)) &&
      ts.isIdentifier(node.name)
    ) {
      bound.add(node.name.text);
    }
    if ((ts.isFunctionExpression(node) || ts.isClassExpression(node)) && node.name) bound.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return [...used].filter((name) => !bound.has(name));
}

function isReference(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === identifier) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === identifier) return false;
  if ((ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === identifier)
    return false;
  if ((ts.isGetAccessor(parent) || ts.isSetAccessor(parent)) && parent.name === identifier) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === identifier) return false;
  if (ts.isQualifiedName(parent) || ts.isLabeledStatement(parent)) return false;
  if (ts.isBreakOrContinueStatement(parent)) return false;
  return true;
}
