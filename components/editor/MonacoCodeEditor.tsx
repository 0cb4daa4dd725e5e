'use client';

// This module touches `window` as soon as it loads: import it only through next/dynamic with ssr: false
// (see CodeEditor.tsx). Monaco comes from node_modules, never from a CDN: nothing is downloaded at run time.
import Editor, { loader, type OnMount } from '@monaco-editor/react';
import * as monaco from 'monaco-editor';
import { useEffect, useRef, useState } from 'react';
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

export type SourceMarker = { line: number; column: number; message: string };

export type MonacoCodeEditorProps = {
  /** Names the editor model (e.g. `file:///flows/billing.ts`): one model per flow. */
  path: string;
  value: string;
  onChange: (value: string) => void;
  onSave: () => void;
  /** A syntax error the server reported for the last save, shown as a marker until the next edit. */
  serverError: SourceMarker | null;
  /** The editor's accessible name. */
  label: string;
};

function usePrefersDark(): boolean {
  const [dark, setDark] = useState(() => window.matchMedia('(prefers-color-scheme: dark)').matches);
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const update = () => setDark(media.matches);
    media.addEventListener('change', update);
    return () => media.removeEventListener('change', update);
  }, []);
  return dark;
}

export default function MonacoCodeEditor(props: MonacoCodeEditorProps) {
  const { path, value, onChange, onSave, serverError, label } = props;
  const dark = usePrefersDark();
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const saveRef = useRef(onSave);
  useEffect(() => {
    saveRef.current = onSave;
  }, [onSave]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      'flowline-save',
      serverError
        ? [
            {
              severity: monaco.MarkerSeverity.Error,
              message: serverError.message,
              startLineNumber: serverError.line,
              startColumn: serverError.column,
              endLineNumber: serverError.line,
              endColumn: model.getLineMaxColumn(Math.min(serverError.line, model.getLineCount())),
            },
          ]
        : [],
    );
    if (serverError) editorRef.current?.revealLineInCenterIfOutsideViewport(serverError.line);
  }, [serverError]);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => saveRef.current());
  };

  return (
    <Editor
      path={path}
      defaultLanguage="typescript"
      value={value}
      theme={dark ? 'flowline-dark' : 'flowline-light'}
      onChange={(next) => onChange(next ?? '')}
      onMount={onMount}
      loading={<div className="placeholder">Loading the editor…</div>}
      options={{
        ariaLabel: label,
        minimap: { enabled: false },
        fontSize: 13,
        lineHeight: 20,
        tabSize: 2,
        scrollBeyondLastLine: false,
        automaticLayout: true,
        fixedOverflowWidgets: true,
        padding: { top: 12, bottom: 12 },
        renderLineHighlight: 'line',
      }}
    />
  );
}
