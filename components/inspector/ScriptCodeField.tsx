'use client';

import dynamic from 'next/dynamic';

/** Monaco for a script node's code, loaded on the client only (as components/editor/CodeEditor.tsx). */
export const ScriptCodeField = dynamic(() => import('./MonacoScriptEditor'), {
  ssr: false,
  loading: () => <div className="placeholder">Loading the editor…</div>,
});
