'use client';

// This module touches `window` as soon as it loads: import it only through next/dynamic with ssr: false
// (see CodeEditor.tsx). Monaco comes from node_modules, never from a CDN: nothing is downloaded at run time.
import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef, useState } from 'react';
import { monaco } from './monaco-setup';
import { useTheme } from '../ui/theme';

/** A place in the code and what is wrong there; without `endColumn` it runs to the end of the line. */
export type SourceMarker = { line: number; column: number; endColumn?: number; message: string };

export type MonacoCodeEditorProps = {
  /** Names the editor model (e.g. `file:///flows/billing.ts`): one model per flow. */
  path: string;
  value: string;
  onChange: (value: string) => void;
  onSave: () => void;
  /** A syntax error the server reported for the last save, shown as a marker until the next edit. */
  serverError: SourceMarker | null;
  /** Warnings of Flowline's own about the code (a flow or connection name that does not exist). */
  warnings?: readonly SourceMarker[];
  /** Told how many errors the TypeScript check finds in the code, whenever that changes. */
  onTypeErrorCount?: (count: number) => void;
  /** The editor's accessible name. */
  label: string;
  /** Shows the code without letting it be edited (a graph's compiled module). */
  readOnly?: boolean;
};

export default function MonacoCodeEditor(props: MonacoCodeEditorProps) {
  const {
    path,
    value,
    onChange,
    onSave,
    serverError,
    warnings,
    onTypeErrorCount,
    label,
    readOnly = false,
  } = props;
  const dark = useTheme() === 'dark';
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const saveRef = useRef(onSave);
  const typeErrorCountRef = useRef(onTypeErrorCount);
  useEffect(() => {
    saveRef.current = onSave;
    typeErrorCountRef.current = onTypeErrorCount;
  }, [onSave, onTypeErrorCount]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    setMarkers(model, 'flowline-save', monaco.MarkerSeverity.Error, serverError ? [serverError] : []);
    if (serverError) editorRef.current?.revealLineInCenterIfOutsideViewport(serverError.line);
  }, [serverError]);

  // Set again once the editor has mounted (the effect may run before there is a model).
  const [mounted, setMounted] = useState(false);
  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model) setMarkers(model, 'flowline-names', monaco.MarkerSeverity.Warning, warnings ?? []);
  }, [warnings, mounted]);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => saveRef.current());
    const model = editor.getModel();
    if (model) {
      const report = () => typeErrorCountRef.current?.(typeErrorCount(model));
      const watch = monaco.editor.onDidChangeMarkers((changed) => {
        if (changed.some((uri) => uri.toString() === model.uri.toString())) report();
      });
      editor.onDidDispose(() => watch.dispose());
      report();
    }
    setMounted(true);
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
        readOnly,
        domReadOnly: readOnly,
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

function setMarkers(
  model: monaco.editor.ITextModel,
  owner: string,
  severity: monaco.MarkerSeverity,
  markers: readonly SourceMarker[],
): void {
  monaco.editor.setModelMarkers(
    model,
    owner,
    markers.map((marker) => {
      const line = Math.min(marker.line, model.getLineCount());
      return {
        severity,
        message: marker.message,
        startLineNumber: line,
        startColumn: marker.column,
        endLineNumber: line,
        endColumn: marker.endColumn ?? model.getLineMaxColumn(line),
      };
    }),
  );
}

/** The errors of Monaco's TypeScript check (not Flowline's own markers). */
function typeErrorCount(model: monaco.editor.ITextModel): number {
  return monaco.editor
    .getModelMarkers({ resource: model.uri, owner: 'typescript' })
    .filter((marker) => marker.severity === monaco.MarkerSeverity.Error).length;
}
