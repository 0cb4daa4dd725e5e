'use client';

// Monaco's one-time set-up for every editor of the app: workers and the library from this app's own
// bundle (never a CDN), the TypeScript options, the flow API's declarations and the themes. This module
// touches `window` as soon as it loads: import it only from modules loaded through next/dynamic with
// ssr: false.
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor';
import { flowApiDeclarations } from '@/engine/api/flow-api-types';

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string) {
    switch (label) {
      case 'typescript':
      case 'javascript':
        return new Worker(new URL('monaco-editor/language/typescript/ts.worker', import.meta.url), {
          type: 'module',
        });
      case 'json':
        return new Worker(new URL('monaco-editor/language/json/json.worker', import.meta.url), {
          type: 'module',
        });
      default:
        return new Worker(new URL('monaco-editor/editor/editor.worker', import.meta.url), { type: 'module' });
    }
  },
};
loader.config({ monaco });

const ts = monaco.typescript;
ts.typescriptDefaults.setCompilerOptions({
  target: ts.ScriptTarget.ESNext,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.NodeJs,
  lib: ['es2023'],
  strict: true,
  // A handler written as `handler(this, system)` (no types) is allowed, as the engine runs it; typing
  // it `this: Execution, system: System` is what turns on completion and checking.
  noImplicitAny: false,
  allowNonTsExtensions: true,
  isolatedModules: true,
});
ts.typescriptDefaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false });

// The flow API's declarations (global `Execution`, `System`, ...), so `this.` completes in a handler
// typed `handler(this: Execution, system: System)` and wrong calls are underlined.
ts.typescriptDefaults.addExtraLib(flowApiDeclarations, 'file:///node_modules/@types/flowline/index.d.ts');

// The editor's background matches the card it sits in (globals.css --surface), in both themes.
monaco.editor.defineTheme('flowline-light', {
  base: 'vs',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#ffffff' },
});
monaco.editor.defineTheme('flowline-dark', {
  base: 'vs-dark',
  inherit: true,
  rules: [],
  colors: { 'editor.background': '#161a21', 'editorGutter.background': '#161a21' },
});

export { monaco };
