'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { CodeEditor, type SourceMarker } from '../editor/CodeEditor';
import styles from '../editor/editor.module.css';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import { useLeaveGuard, useLocalDraft } from '../ui/unsaved';
import { RecentRuns } from '../executions/RecentRuns';
import { DraftOffer, SaveAndRunButtons, SaveStatus, useRunFlow, type SaveState } from './EditorChrome';
import { unknownNameWarnings } from './unknown-names';
import { VersionsButton } from './VersionsButton';

/** FlowSyntaxError's message is "syntax error at line L, column C: ..." (engine/flows/compile.ts). */
function syntaxMarker(message: string): SourceMarker | null {
  const match = /line (\d+), column (\d+)/.exec(message);
  if (!match) return null;
  return { line: Number(match[1]), column: Number(match[2]), message };
}

type EditedFlow = { id: string; name: string; version: number; code: string; timeoutSeconds: number };

/** Marks the flow and connection names the code calls that do not exist, once both lists are known. */
function useUnknownNameWarnings(code: string): SourceMarker[] {
  const trpc = useTRPC();
  const flows = useQuery(trpc.flows.list.queryOptions());
  const connections = useQuery(trpc.connections.list.queryOptions());
  return useMemo(() => {
    if (!flows.data || !connections.data) return [];
    return unknownNameWarnings(code, {
      flows: flows.data.map((flow) => flow.name),
      connections: connections.data.map((connection) => connection.name),
    });
  }, [code, flows.data, connections.data]);
}

export function CodeFlowEditor({ flow }: { flow: EditedFlow }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [code, setCode] = useState(flow.code);
  // What the editor holds right now: a Ctrl+S straight after a change must save that change, even
  // before React has rendered it.
  const codeRef = useRef(flow.code);
  const [savedCode, setSavedCode] = useState(flow.code);
  const [version, setVersion] = useState(flow.version);
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'idle' });
  const [serverError, setServerError] = useState<SourceMarker | null>(null);
  // What the editor's type check finds: a save keeps the code anyway, and says how many problems it kept.
  const [typeErrors, setTypeErrors] = useState(0);
  const warnings = useUnknownNameWarnings(code);
  const unsaved = code !== savedCode;

  const save = useMutation(
    trpc.flows.saveCode.mutationOptions({
      onSuccess: (result, variables) => {
        setSavedCode(variables.code);
        setVersion(result.version);
        setSaveState({ kind: 'saved', version: result.version, typeErrors });
        setServerError(null);
      },
      onError: (error) => {
        const message = errorMessage(error);
        setSaveState({ kind: 'error', message, conflict: error.data?.code === 'CONFLICT' });
        setServerError(syntaxMarker(message));
      },
    }),
  );
  // Code in the compiled graph's shape reads back into its graph (docs/graph.md, "Back from code").
  const toGraph = useMutation(trpc.flows.convert.mutationOptions({ onSuccess: () => router.refresh() }));

  const { mutate: saveCode, isPending: saving } = save;
  // Based on the version this editor holds: a save over someone else's newer one is refused, not lost.
  const saveNow = useCallback(() => {
    if (!saving) saveCode({ name: flow.name, code: codeRef.current, baseVersion: version });
  }, [saveCode, saving, flow.name, version]);

  // Ctrl/Cmd+S anywhere on the page (the editor binds it too, for when it has the focus).
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 's') {
        event.preventDefault();
        saveNow();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [saveNow]);

  // Leaving with unsaved changes asks first; a local draft keeps them even through a crash.
  useLeaveGuard(unsaved);
  // Based on the version held now, not the one opened: a draft typed after a save belongs to that save.
  const draft = useLocalDraft(`flow:${flow.id}`, version, code, savedCode);
  const restoreDraft = (value: string) => {
    codeRef.current = value;
    setCode(value);
  };

  const { openRun, runDialog } = useRunFlow({ name: flow.name, version, unsaved });

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link href="/flows">Flows</Link> /
          </div>
          <div className={styles.titleRow}>
            <h1>{flow.name}</h1>
            <span className="badge" data-testid="flow-version">
              v{version}
            </span>
            {unsaved && (
              <span className={styles.unsaved} data-testid="unsaved">
                Unsaved changes
              </span>
            )}
          </div>
        </div>
        <div className={styles.toolbar}>
          <TimeoutField flowId={flow.id} initial={flow.timeoutSeconds} />
          {code.includes('this.graph()') && (
            <button
              type="button"
              className="button"
              disabled={unsaved || toGraph.isPending}
              title={unsaved ? 'Save first: the saved code is converted' : undefined}
              onClick={() => toGraph.mutate({ name: flow.name, to: 'graph' })}
            >
              {toGraph.isPending ? 'Converting…' : 'Convert to graph'}
            </button>
          )}
          <RecentRuns flowId={flow.id} flowName={flow.name} />
          <VersionsButton
            flowName={flow.name}
            heldVersion={version}
            unsaved={unsaved}
            onRestored={draft.discard}
          />
          <SaveAndRunButtons saving={saving} onSave={saveNow} onRun={openRun} />
        </div>
      </header>

      <DraftOffer draft={draft} unsaved={unsaved} onRestore={restoreDraft} />
      <section className={`card ${styles.editorCard}`} aria-label="Flow code">
        <div className={styles.editorFrame}>
          <CodeEditor
            path={`file:///flows/${encodeURIComponent(flow.name)}.ts`}
            value={code}
            onChange={(next) => {
              codeRef.current = next;
              setCode(next);
              if (serverError) setServerError(null);
            }}
            onSave={saveNow}
            serverError={serverError}
            warnings={warnings}
            onTypeErrorCount={setTypeErrors}
            label={`Code of flow ${flow.name}`}
          />
        </div>
        <div className={styles.status} aria-live="polite">
          {toGraph.error && (
            <span className="alert" role="alert">
              Not converted: {errorMessage(toGraph.error)}
            </span>
          )}
          <SaveStatus state={saveState} unsaved={unsaved} />
          <span className={styles.hint}>
            <kbd className={styles.kbd}>Ctrl</kbd> + <kbd className={styles.kbd}>S</kbd> saves ·{' '}
            <code>this.</code> lists the flow API
          </span>
        </div>
      </section>

      {runDialog}
    </div>
  );
}

/** The flow's timeout, saved on its own when changed (Enter or leaving the field). */
function TimeoutField({ flowId, initial }: { flowId: string; initial: number }) {
  const trpc = useTRPC();
  const [value, setValue] = useState(String(initial));
  const [saved, setSaved] = useState(initial);
  const update = useMutation(
    trpc.flows.setTimeout.mutationOptions({ onSuccess: (flow) => setSaved(flow.timeout_seconds) }),
  );
  const commit = () => {
    const seconds = Number(value);
    if (value.trim() !== '' && seconds !== saved) update.mutate({ id: flowId, timeoutSeconds: seconds });
  };
  return (
    <label className={styles.timeout} title="How long a run may take before it is stopped">
      Timeout
      <input
        className="input"
        type="number"
        min={1}
        max={86_400}
        value={value}
        aria-invalid={update.isError}
        onChange={(event) => setValue(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commit();
        }}
      />
      s
      {update.isError && (
        <span className="alert" role="alert">
          {errorMessage(update.error)}
        </span>
      )}
    </label>
  );
}
