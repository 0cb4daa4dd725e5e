'use client';

// Loaded through next/dynamic with ssr: false only (ScriptCodeField.tsx): Monaco needs the browser.
import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef } from 'react';
import { SCRIPT_HEAD, SCRIPT_TAIL } from '@/engine/nodes/script';
import { monaco } from '../editor/monaco-setup';
import { useTheme } from '../ui/theme';

/**
 * A script node's code in Monaco, typed as the server checks it: the code is the body of the script's
 * handler (`this: Execution`, `system`, `input`), so the editor's model is the whole module
 * (SCRIPT_HEAD + code + SCRIPT_TAIL, the same the server type-checks) with the frame's lines hidden.
 * An edit that reaches into the frame (select all, then paste) keeps the frame and takes the rest as
 * the code.
 */
type HiddenAreas = { setHiddenAreas?(ranges: monaco.IRange[]): void };

function codeOf(text: string): { code: string; framed: boolean } {
  if (
    text.startsWith(SCRIPT_HEAD) &&
    text.endsWith(SCRIPT_TAIL) &&
    text.length >= SCRIPT_HEAD.length + SCRIPT_TAIL.length
  )
    return { code: text.slice(SCRIPT_HEAD.length, text.length - SCRIPT_TAIL.length), framed: true };
  let code = text;
  if (code.startsWith(SCRIPT_HEAD)) code = code.slice(SCRIPT_HEAD.length);
  if (code.endsWith(SCRIPT_TAIL)) code = code.slice(0, -SCRIPT_TAIL.length);
  return { code, framed: false };
}

export default function MonacoScriptEditor({
  path,
  value,
  onChange,
  label,
}: {
  path: string;
  value: string;
  onChange: (code: string) => void;
  label: string;
}) {
  const dark = useTheme() === 'dark';
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);

  const hideFrame = () => {
    const editor = editorRef.current as (monaco.editor.IStandaloneCodeEditor & HiddenAreas) | null;
    const model = editor?.getModel();
    if (!editor || !model || typeof editor.setHiddenAreas !== 'function') return;
    const last = model.getLineCount();
    editor.setHiddenAreas([new monaco.Range(1, 1, 2, 1), new monaco.Range(last - 1, 1, last, 1)]);
  };

  // The code changed elsewhere (undo on the canvas): show it.
  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model && codeOf(model.getValue()).code !== value) model.setValue(SCRIPT_HEAD + value + SCRIPT_TAIL);
  }, [value]);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    hideFrame();
    editor.setPosition({ lineNumber: 3, column: 1 });
    editor.onDidChangeModelContent(() => {
      const model = editor.getModel();
      if (!model) return;
      const { code, framed } = codeOf(model.getValue());
      onChangeRef.current(code);
      if (framed) return hideFrame();
      // Put the frame back after this edit is done (an edit inside Monaco's change event is lost).
      setTimeout(() => {
        if (codeOf(model.getValue()).framed) return;
        model.setValue(SCRIPT_HEAD + code + SCRIPT_TAIL);
        hideFrame();
        requestAnimationFrame(hideFrame); // a whole-model replace resets the view's hidden areas once more
        const last = model.getLineCount() - 2;
        editor.setPosition({ lineNumber: last, column: model.getLineMaxColumn(last) });
        editor.revealLine(last);
        editor.setScrollLeft(0);
      }, 0);
    });
  };

  return (
    <Editor
      path={path}
      defaultLanguage="typescript"
      defaultValue={SCRIPT_HEAD + value + SCRIPT_TAIL}
      theme={dark ? 'flowline-dark' : 'flowline-light'}
      onMount={onMount}
      loading={<div className="placeholder">Loading the editor…</div>}
      options={{
        ariaLabel: label,
        minimap: { enabled: false },
        fontSize: 13,
        lineHeight: 20,
        tabSize: 2,
        lineNumbers: (line) => String(line - 2),
        scrollBeyondLastLine: false,
        automaticLayout: true,
        fixedOverflowWidgets: true,
        padding: { top: 8, bottom: 8 },
        renderLineHighlight: 'line',
      }}
    />
  );
}
