'use client';

// This module touches `window` as soon as it loads: import it only through next/dynamic with ssr: false
// (see CodeEditor.tsx). Monaco comes from node_modules, never from a CDN: nothing is downloaded at run time.
import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef } from 'react';
import { monaco } from './monaco-setup';
import { useTheme } from '../ui/theme';

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
  /** Shows the code without letting it be edited (a graph's compiled module). */
  readOnly?: boolean;
};

export default function MonacoCodeEditor(props: MonacoCodeEditorProps) {
  const { path, value, onChange, onSave, serverError, label, readOnly = false } = props;
  const dark = useTheme() === 'dark';
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
