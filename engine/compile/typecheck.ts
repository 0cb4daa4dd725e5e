import ts from 'typescript';
import { flowApiDeclarations } from '../api/flow-api-types';
import { graphIssue, type GraphIssue } from '../graph/issues';
import type { Graph } from '../graph/model';
import { findNodeType } from '../nodes';
import type { CompiledGraph } from './compile';
import { sandboxGlobalDeclarations } from './sandbox-globals';

/**
 * The TypeScript check of a compiled graph (docs/graph.md, "Validation"): the module and each script
 * node's module, against the flow API's declarations and the sandbox's globals, with each diagnostic
 * mapped back to the node and parameter it comes from. Options as in the browser's editor
 * (components/editor/MonacoCodeEditor.tsx): strict, implicit `any` allowed.
 */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  lib: ['lib.es2023.d.ts'],
  strict: true,
  noImplicitAny: false,
  noEmit: true,
  skipLibCheck: true,
  isolatedModules: true,
  types: [],
};

const ROOT = '/flowline/';
const GRAPH_FILE = `${ROOT}graph.ts`;
const DECLARATION_FILES: Record<string, string> = {
  [`${ROOT}flow-api.d.ts`]: flowApiDeclarations,
  [`${ROOT}sandbox-globals.d.ts`]: sandboxGlobalDeclarations,
};

/** Library files parse once per process: they are most of a check's work, and never change. */
const libraryFiles = new Map<string, ts.SourceFile>();
let previousProgram: ts.Program | undefined;

export function typeCheckGraph(compiled: CompiledGraph, graph: Graph): GraphIssue[] {
  const files = new Map<string, string>([[GRAPH_FILE, compiled.code], ...Object.entries(DECLARATION_FILES)]);
  const modules = new Map<string, { node: string; path: string; headLines: number }>();
  for (const node of graph.nodes) {
    const definition = findNodeType(node.type);
    for (const nodeModule of definition?.modules?.(node.params as never) ?? []) {
      const name = `${ROOT}nodes/${node.id}.${nodeModule.path}.ts`;
      files.set(name, nodeModule.source);
      modules.set(name, { node: node.id, path: nodeModule.path, headLines: nodeModule.headLines });
    }
  }
  const program = createProgram(files);
  const issues: GraphIssue[] = [];
  for (const name of [GRAPH_FILE, ...modules.keys()]) {
    const file = program.getSourceFile(name);
    if (!file) continue;
    const diagnostics = [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)];
    for (const diagnostic of diagnostics) {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
      const script = modules.get(name);
      issues.push(
        script
          ? scriptIssue(file, diagnostic, text, script)
          : graphModuleIssue(compiled, file, diagnostic, text),
      );
    }
  }
  return issues;
}

function createProgram(files: Map<string, string>): ts.Program {
  const host = ts.createCompilerHost(OPTIONS, true);
  const readLibrary = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version) => {
    const text = files.get(name);
    if (text !== undefined) return ts.createSourceFile(name, text, version, true, ts.ScriptKind.TS);
    let file = libraryFiles.get(name);
    if (!file) {
      file = readLibrary(name, version);
      if (file) libraryFiles.set(name, file);
    }
    return file;
  };
  host.fileExists = (name) => files.has(name) || ts.sys.fileExists(name);
  host.readFile = (name) => files.get(name) ?? ts.sys.readFile(name);
  host.writeFile = () => {};
  const program = ts.createProgram([...files.keys()], OPTIONS, host, previousProgram);
  previousProgram = program;
  return program;
}

/** A diagnostic in the compiled module: at the param whose value holds it, else at the node whose lines do. */
function graphModuleIssue(
  compiled: CompiledGraph,
  file: ts.SourceFile,
  diagnostic: ts.Diagnostic,
  text: string,
): GraphIssue {
  const start = diagnostic.start ?? 0;
  const span = compiled.spans
    .filter((candidate) => candidate.start <= start && start < Math.max(candidate.end, candidate.start + 1))
    .sort((a, b) => a.end - a.start - (b.end - b.start))[0];
  if (span) return graphIssue(span.node, `${span.node}.params.${span.path}`, text);
  const line = file.getLineAndCharacterOfPosition(start).line + 1;
  const node = compiled.nodes.find((candidate) => candidate.line <= line && line <= candidate.endLine);
  return graphIssue(node?.id ?? null, node?.id ?? 'graph', text);
}

/** A diagnostic in a script node's module: at its param, with the line in the node's own code. */
function scriptIssue(
  file: ts.SourceFile,
  diagnostic: ts.Diagnostic,
  text: string,
  module: { node: string; path: string; headLines: number },
): GraphIssue {
  const line = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1 - module.headLines;
  return graphIssue(
    module.node,
    `${module.node}.params.${module.path}`,
    `line ${Math.max(line, 1)}: ${text}`,
  );
}
