'use client';

import { CodeEditor } from '../editor/CodeEditor';
import type { CompiledModule } from './use-draft-checks';
import styles from './canvas.module.css';

const ignore = () => {};

/** The module the graph compiles to, read-only, following the graph as it changes. */
export function CodeTab({
  flowName,
  compiled,
  error,
  onConvert,
}: {
  flowName: string;
  compiled: CompiledModule | null;
  error: string | null;
  onConvert: () => void;
}) {
  return (
    <div className={styles.codeTab}>
      <div className={styles.codeTabBar}>
        <p className="muted">
          What runs: the graph compiled to TypeScript, one <code>graph.node(...)</code> per node. It follows
          your changes; to edit it as code, convert the flow (the graph stays in its history).
        </p>
        <button type="button" className="button button-small" onClick={onConvert}>
          Convert to code
        </button>
      </div>
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}
      <div className={styles.codeFrame} data-testid="compiled-code">
        {compiled === null ? (
          <div className="placeholder">Compiling…</div>
        ) : compiled.code === null ? (
          <div className="placeholder">The graph does not compile yet: the nodes marked in red say why.</div>
        ) : (
          <CodeEditor
            path={`file:///flows/${encodeURIComponent(flowName)}.compiled.ts`}
            value={compiled.code}
            onChange={ignore}
            onSave={ignore}
            serverError={null}
            label={`Compiled code of flow ${flowName}`}
            readOnly
          />
        )}
      </div>
    </div>
  );
}
