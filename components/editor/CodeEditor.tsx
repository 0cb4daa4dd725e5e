'use client';

import dynamic from 'next/dynamic';

/** Monaco needs the browser: it is loaded on the client only, from this app's own bundle. */
export const CodeEditor = dynamic(() => import('./MonacoCodeEditor'), {
  ssr: false,
  loading: () => <div className="placeholder">Loading the editor…</div>,
});

export type { MonacoCodeEditorProps as CodeEditorProps, SourceMarker } from './MonacoCodeEditor';
