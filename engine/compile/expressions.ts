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
 * The names an expression reads that it does not bind itself: `items.map((i) => i.id)` reads `items`;
 * `[fetch].map((fetch) => fetch.status)` reads the outer `fetch` once.
 */
export function freeIdentifiers(expression: ts.Node): string[] {
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node)) return;
    if (ts.isIdentifier(node) && isFreeReference(node)) used.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return [...used];
}

/** A read of a name from outside: not a property name or label, not a binding, not bound by code around it. */
export function isFreeReference(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === identifier) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === identifier) return false;
  if ((ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === identifier)
    return false;
  if ((ts.isGetAccessor(parent) || ts.isSetAccessor(parent)) && parent.name === identifier) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === identifier) return false;
  if (ts.isQualifiedName(parent) || ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent))
    return false;
  if (ts.isParameter(parent) || ts.isVariableDeclaration(parent) || ts.isBindingElement(parent)) return false;
  if ((ts.isFunctionExpression(parent) || ts.isClassExpression(parent)) && parent.name === identifier)
    return false;
  return !isBoundAround(identifier);
}

/** Whether a function, block, catch clause or loop around the name binds it (declarations hoisted). */
function isBoundAround(identifier: ts.Identifier): boolean {
  const name = identifier.text;
  for (let node: ts.Node = identifier.parent; !ts.isSourceFile(node); node = node.parent) {
    if (ts.isFunctionLike(node)) {
      if (node.parameters.some((parameter) => binds(parameter.name, name))) return true;
      if ((ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) && node.name?.text === name)
        return true;
    }
    if (ts.isBlock(node) && node.statements.some((statement) => declares(statement, name))) return true;
    if (ts.isCatchClause(node) && node.variableDeclaration && binds(node.variableDeclaration.name, name))
      return true;
    if (
      (ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) &&
      node.initializer &&
      ts.isVariableDeclarationList(node.initializer) &&
      node.initializer.declarations.some((declaration) => binds(declaration.name, name))
    ) {
      return true;
    }
  }
  return false;
}

function declares(statement: ts.Statement, name: string): boolean {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.some((declaration) => binds(declaration.name, name));
  }
  return (
    (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name?.text === name
  );
}

function binds(pattern: ts.BindingName, name: string): boolean {
  if (ts.isIdentifier(pattern)) return pattern.text === name;
  return pattern.elements.some((element) => !ts.isOmittedExpression(element) && binds(element.name, name));
}
