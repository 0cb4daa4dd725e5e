/**
 * `npm run flow-api:types`: writes engine/api/flow-api.generated.ts, the flow API's declarations for the
 * browser's editor (`flowApiDeclarations`), from the types engine/api/runner-api.ts declares and checks
 * its implementation against.
 *
 * Why a committed, generated file rather than generating at build time: the TypeScript compiler is a
 * devDependency (absent after `npm ci --omit=dev`), and the editor needs nothing but a string. So the
 * compiler runs here, in development, and engine/api/flow-api-types.test.ts runs it again in memory and
 * fails when the committed file differs: the declarations cannot drift from runner-api.ts unnoticed.
 *
 * How: the compiler emits runner-api.ts's declaration file (members marked `@internal` left out), and
 * of it we keep what user code can reach from `this` (Execution), `system` (System) and the errors it
 * may catch (FlowApiError and its subclasses), as global declarations of a script (the editor's `this:
 * Execution` needs no import). Classes become interfaces: a flow's realm has no such globals, so a
 * declared class would let `instanceof DependencyFailedError` pass the editor and fail when it runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(import.meta.dirname, '..');
export const runnerApiFile = path.join(root, 'engine', 'api', 'runner-api.ts');
export const generatedFile = path.join(root, 'engine', 'api', 'flow-api.generated.ts');

/** The names user code starts from; the errors (FlowApiError's subclasses) are found by their base. */
const ROOTS = ['Execution', 'System', 'FlowApiError'];
/** runner-api.ts's own business: the generator fails rather than show one of these to users. */
export const INTERNAL = new Set([
  'RunnerContext',
  'RpcCall',
  'WireError',
  'ExecutionSnapshot',
  'CallResult',
  'ChildRequest',
  'ExecutionHalt',
  'Invoke',
  'Writable',
]);

const compilerOptions: ts.CompilerOptions = {
  // As strict as the project (tsconfig.json), but with the language's library only: the flow API
  // runs in a realm without Node or the DOM.
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  target: ts.ScriptTarget.ES2023,
  lib: ['lib.es2023.d.ts'],
  types: [],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  isolatedModules: true,
  skipLibCheck: true,
  declaration: true,
  emitDeclarationOnly: true,
  stripInternal: true,
};

/** runner-api.ts's declaration file, as the compiler emits it. */
function emitRunnerApiDeclarations(): string {
  const program = ts.createProgram([runnerApiFile], compilerOptions);
  const source = program.getSourceFile(runnerApiFile);
  if (!source) throw new Error(`cannot read ${runnerApiFile}`);
  const diagnostics = ts.getPreEmitDiagnostics(program, source);
  if (diagnostics.length > 0) {
    throw new Error(
      ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (name) => name,
        getCurrentDirectory: () => root,
        getNewLine: () => '\n',
      }),
    );
  }
  let text: string | undefined;
  const result = program.emit(
    source,
    (name, data) => {
      if (name.endsWith('.d.ts')) text = data;
    },
    undefined,
    true,
  );
  if (result.emitSkipped || text === undefined) throw new Error('the compiler emitted no declarations');
  return text;
}

type Declaration = ts.InterfaceDeclaration | ts.TypeAliasDeclaration | ts.ClassDeclaration;

/** The flow API's declarations as the editor loads them: global, documented, internals left out. */
export function generateFlowApiDeclarations(): string {
  const file = ts.createSourceFile(
    'runner-api.d.ts',
    emitRunnerApiDeclarations(),
    ts.ScriptTarget.ES2023,
    true,
  );
  const declared = new Map<string, Declaration>();
  for (const statement of file.statements) {
    if (
      (ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isClassDeclaration(statement)) &&
      statement.name
    ) {
      declared.set(statement.name.text, statement);
    }
  }

  // What user code can reach: the roots, every error class, and every type they name, transitively.
  const reached = new Set<string>();
  const reach = (name: string, from: string) => {
    if (INTERNAL.has(name)) {
      throw new Error(
        `${from} shows ${name} to user code: mark the member that uses it @internal in runner-api.ts`,
      );
    }
    const declaration = declared.get(name);
    if (!declaration || reached.has(name)) return;
    reached.add(name);
    const visit = (node: ts.Node): void => {
      if (ts.isImportTypeNode(node)) {
        throw new Error(`${name} names a type of another module: the editor's declarations stand alone`);
      }
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) reach(node.typeName.text, name);
      if (ts.isExpressionWithTypeArguments(node) && ts.isIdentifier(node.expression)) {
        reach(node.expression.text, name);
      }
      ts.forEachChild(node, visit);
    };
    visit(declaration);
  };
  for (const name of ROOTS) {
    if (!declared.has(name)) throw new Error(`runner-api.ts declares no exported ${name}`);
    reach(name, 'the flow API');
  }
  for (const [name, declaration] of declared) {
    if (ts.isClassDeclaration(declaration) && extendsFrom(declaration, 'FlowApiError', declared)) {
      reach(name, 'the flow API');
    }
  }

  const parts = [...declared]
    .filter(([name]) => reached.has(name))
    .map(([, declaration]) => render(declaration, file));
  const text = [
    '// The Flowline flow API, as a handler sees it: `this` (Execution) and `system` (System) in',
    '// `export default async function handler(this: Execution, system: System) { ... }`.',
    '// Generated from engine/api/runner-api.ts by scripts/flow-api-dts.ts: do not edit.',
    '',
    parts.join('\n\n'),
    '',
  ].join('\n');
  return reindent(text);
}

function extendsFrom(declaration: ts.ClassDeclaration, base: string, declared: Map<string, Declaration>) {
  for (const clause of declaration.heritageClauses ?? []) {
    if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue;
    for (const type of clause.types) {
      if (!ts.isIdentifier(type.expression)) continue;
      const name = type.expression.text;
      const parent = declared.get(name);
      if (name === base) return true;
      if (parent && ts.isClassDeclaration(parent) && extendsFrom(parent, base, declared)) return true;
    }
  }
  return false;
}

/** The doc comments (`/** ... *\/`) before a node; other comments are left out. */
function docOf(node: ts.Node, file: ts.SourceFile): string {
  const text = file.text;
  return (ts.getLeadingCommentRanges(text, node.pos) ?? [])
    .map((range) => text.slice(range.pos, range.end))
    .filter((comment) => comment.startsWith('/**'))
    .map((comment) => `${comment}\n`)
    .join('');
}

/** A node's text without its leading modifiers (`export`, `declare`). */
function withoutModifiers(node: Declaration, file: ts.SourceFile): string {
  const start = node.modifiers && node.modifiers.length > 0 ? node.modifiers.end : node.getStart(file);
  return file.text.slice(start, node.end).trimStart();
}

function render(declaration: Declaration, file: ts.SourceFile): string {
  const body = ts.isClassDeclaration(declaration)
    ? classAsInterface(declaration, file)
    : withoutModifiers(declaration, file);
  return docOf(declaration, file) + body;
}

/** A class's instance side as an interface: what user code can read and call on the objects it gets. */
function classAsInterface(declaration: ts.ClassDeclaration, file: ts.SourceFile): string {
  const name = declaration.name?.text ?? '';
  const typeParameters = declaration.typeParameters
    ? `<${declaration.typeParameters.map((parameter) => parameter.getText(file)).join(', ')}>`
    : '';
  const bases = (declaration.heritageClauses ?? []).flatMap((clause) =>
    clause.types.map((type) => type.getText(file)),
  );
  const heritage = bases.length > 0 ? ` extends ${bases.join(', ')}` : '';
  const setters = new Set(
    declaration.members.filter(ts.isSetAccessorDeclaration).map((member) => member.name.getText(file)),
  );
  const members: string[] = [];
  for (const member of declaration.members) {
    const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
    const hidden = modifiers.some(
      (modifier) =>
        modifier.kind === ts.SyntaxKind.PrivateKeyword ||
        modifier.kind === ts.SyntaxKind.ProtectedKeyword ||
        modifier.kind === ts.SyntaxKind.StaticKeyword,
    );
    if (hidden || ts.isConstructorDeclaration(member) || ts.isClassStaticBlockDeclaration(member)) continue;
    if (member.name && ts.isPrivateIdentifier(member.name)) continue;
    let text: string;
    if (ts.isGetAccessorDeclaration(member)) {
      const memberName = member.name.getText(file);
      const type = member.type ? member.type.getText(file) : 'unknown';
      text = `${setters.has(memberName) ? '' : 'readonly '}${memberName}: ${type};`;
    } else if (ts.isSetAccessorDeclaration(member)) {
      continue; // said with its getter
    } else if (ts.isPropertyDeclaration(member) || ts.isMethodDeclaration(member)) {
      text = member.getText(file).replace(/^declare\s+/, '');
    } else {
      throw new Error(`${name}: cannot say a ${ts.SyntaxKind[member.kind]} in an interface`);
    }
    members.push(
      docOf(member, file)
        .split('\n')
        .map((line) =>
          line === '' ? line : `    ${line.trimStart().startsWith('*') ? ' ' : ''}${line.trimStart()}`,
        )
        .join('\n') + `    ${text}`,
    );
  }
  return `interface ${name}${typeParameters}${heritage} {${members.length > 0 ? `\n${members.join('\n')}\n` : ''}}`;
}

/** The compiler indents by 4; the project (and the editor's lib) by 2. */
function reindent(text: string): string {
  return text.replace(/^( +)/gm, (spaces) =>
    ' '.repeat(Math.floor(spaces.length / 4) * 2 + (spaces.length % 4)),
  );
}

/** engine/api/flow-api.generated.ts's text. */
export function generatedModule(): string {
  const declarations = generateFlowApiDeclarations();
  const escaped = declarations.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  return [
    '// Generated by scripts/flow-api-dts.ts from engine/api/runner-api.ts: do not edit.',
    '// After changing the flow API, run `npm run flow-api:types` (flow-api-types.test.ts fails until then).',
    '',
    "/** The flow API's declarations for the browser's editor (see flow-api-types.ts). */",
    `export const flowApiDeclarations = \`${escaped}\`;`,
    '',
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = generatedModule();
  const before = fs.existsSync(generatedFile) ? fs.readFileSync(generatedFile, 'utf8') : undefined;
  if (before === text) {
    console.log(`${path.relative(root, generatedFile)} is up to date`);
  } else {
    fs.writeFileSync(generatedFile, text);
    console.log(`wrote ${path.relative(root, generatedFile)}`);
  }
}
