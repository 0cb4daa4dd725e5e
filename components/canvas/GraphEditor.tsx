'use client';

import { useMutation } from '@tanstack/react-query';
import { ReactFlowProvider, useReactFlow, type OnSelectionChangeFunc } from '@xyflow/react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { memo, useCallback, useMemo, useRef, useState, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { GraphIssue } from '@/engine/graph/issues';
import { graphSchema, type Graph } from '@/engine/graph/model';
import editorStyles from '../editor/editor.module.css';
import { Inspector } from '../inspector/Inspector';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import { useLeaveGuard, useLocalDraft } from '../ui/unsaved';
import { RecentRuns } from '../executions/RecentRuns';
import { DraftOffer, SaveAndRunButtons, SaveStatus, useRunFlow, type SaveState } from '../flows/EditorChrome';
import { VersionsButton } from '../flows/VersionsButton';
import { computeLayout } from './auto-layout';
import { Canvas } from './Canvas';
import { CodeTab } from './CodeTab';
import { CanvasStoresProvider } from './context';
import { ConvertDialog } from './ConvertDialog';
import { HelpPanel } from './HelpPanel';
import { GRID } from './layout';
import { NodeStatusProvider, type NodeStatusSource } from './node-status';
import { Palette } from './Palette';
import { createCanvasStore, type CanvasStore } from './store';
import { createCanvasUiStore, type CanvasUiStore } from './ui-store';
import { useCanvasShortcuts } from './use-canvas-shortcuts';
import { useDraftChecks } from './use-draft-checks';
import styles from './canvas.module.css';

export type EditedGraphFlow = { id: string; name: string; version: number; graph: Graph };

export type GraphEditorProps = {
  flow: EditedGraphFlow;
  /** Live node states of a run (the execution's node records); none in plain editing. */
  statusSource?: NodeStatusSource | null;
  /** More toolbar buttons, placed before Save (a Versions button). */
  toolbarExtra?: ReactNode;
};

/** The graph flow editor: palette, canvas, inspector, the compiled code, and the toolbar that saves and runs. */
export function GraphEditor(props: GraphEditorProps) {
  const [stores] = useState(() => ({
    model: createCanvasStore(props.flow.graph),
    ui: createCanvasUiStore(),
  }));
  return (
    <CanvasStoresProvider stores={stores}>
      <NodeStatusProvider source={props.statusSource ?? null}>
        <ReactFlowProvider>
          <Editor {...props} model={stores.model} ui={stores.ui} />
        </ReactFlowProvider>
      </NodeStatusProvider>
    </CanvasStoresProvider>
  );
}

const MemoCanvas = memo(Canvas);

function issuesOfError(error: unknown): GraphIssue[] | null {
  const data = (error as { data?: { issues?: unknown } } | null)?.data;
  return Array.isArray(data?.issues) ? (data.issues as GraphIssue[]) : null;
}

function Editor({
  flow,
  toolbarExtra,
  model,
  ui,
}: GraphEditorProps & { model: CanvasStore; ui: CanvasUiStore }) {
  const trpc = useTRPC();
  const router = useRouter();
  const reactFlow = useReactFlow();
  const graph = useStore(model, (state) => state.graph);
  const canUndo = useStore(model, (state) => state.past.length > 0);
  const canRedo = useStore(model, (state) => state.future.length > 0);
  const generalIssues = useStore(ui, (state) => state.generalIssues);
  const [savedGraph, setSavedGraph] = useState(flow.graph);
  const [version, setVersion] = useState(flow.version);
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'idle' });
  const [tab, setTab] = useState<'canvas' | 'code'>('canvas');
  const [selected, setSelected] = useState<string[]>([]);
  const [helpOpen, setHelpOpen] = useState(false);
  const [converting, setConverting] = useState(false);
  const [layoutError, setLayoutError] = useState<string | null>(null);
  const canvasRef = useRef<HTMLDivElement>(null);
  const unsaved = graph !== savedGraph;

  const { compiled, compileError, checking } = useDraftChecks(flow.name, graph, ui, tab === 'code');

  const save = useMutation(
    trpc.flows.saveGraph.mutationOptions({
      onSuccess: (result, variables) => {
        setSavedGraph(variables.graph as Graph);
        setVersion(result.version);
        setSaveState({ kind: 'saved', version: result.version });
      },
      onError: (error, variables) => {
        setSaveState({
          kind: 'error',
          message: errorMessage(error),
          conflict: error.data?.code === 'CONFLICT',
        });
        const issues = issuesOfError(error);
        const sent = variables.graph as Graph;
        if (issues) ui.getState().setIssues(issues, new Set(sent.nodes.map((node) => node.id)));
      },
    }),
  );
  const { mutate: saveGraph, mutateAsync: saveGraphAsync, isPending: saving } = save;
  // Based on the version this editor holds: a save over someone else's newer one is refused, not lost.
  const saveNow = useCallback(() => {
    if (!saving) saveGraph({ name: flow.name, graph: model.getState().graph, baseVersion: version });
  }, [saveGraph, saving, flow.name, model, version]);

  const convert = useMutation(
    trpc.flows.convert.mutationOptions({
      onSuccess: () => {
        setConverting(false);
        router.refresh();
      },
    }),
  );
  const { mutateAsync: renameOnServer } = useMutation(trpc.flows.renameNode.mutationOptions());
  const rename = useCallback(
    (graph: Graph, from: string, to: string) => renameOnServer({ graph, from, to }) as Promise<Graph>,
    [renameOnServer],
  );

  const tidyUp = useCallback(async () => {
    setLayoutError(null);
    try {
      const positions = await computeLayout(model.getState().graph);
      model.getState().placeNodes(positions);
      requestAnimationFrame(() => void reactFlow.fitView({ maxZoom: 1, padding: 0.15, duration: 200 }));
    } catch (error) {
      setLayoutError(errorMessage(error));
    }
  }, [model, reactFlow]);

  const added = useRef(0);
  const addInView = useCallback(
    (type: string) => {
      const box = canvasRef.current?.getBoundingClientRect();
      const center = box
        ? reactFlow.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 })
        : { x: 0, y: 0 };
      const step = (added.current++ % 5) * GRID * 2;
      const id = model.getState().addNode(type, {
        x: Math.round((center.x - 120 + step) / GRID) * GRID,
        y: Math.round((center.y - 40 + step) / GRID) * GRID,
      });
      ui.getState().select([id]);
    },
    [model, reactFlow, ui],
  );

  const { openRun, dialogOpen, runDialog } = useRunFlow({ name: flow.name, version, unsaved });
  useCanvasShortcuts({
    model,
    ui,
    enabled: tab === 'canvas' && !helpOpen && !converting && !dialogOpen,
    canvasRef,
    onSave: saveNow,
    onHelp: () => setHelpOpen(true),
    onTidyUp: tidyUp,
    rename,
  });

  // Leaving with unsaved changes asks first; a local draft keeps them even through a crash.
  useLeaveGuard(unsaved);
  const draft = useLocalDraft(`graph:${flow.id}`, version, graph, savedGraph);
  const restoreDraft = (value: Graph) => {
    // The draft was written by this editor, but perhaps by an older build: load only a graph it can read.
    const parsed = graphSchema.safeParse(value);
    if (parsed.success) model.getState().replace(parsed.data);
  };

  const onSelectionChange = useCallback<OnSelectionChangeFunc>(({ nodes }) => {
    const ids = nodes.map((node) => node.id);
    setSelected((before) => (before.join() === ids.join() ? before : ids));
  }, []);
  const inspected = selected.length === 1 ? selected[0] : undefined;
  const errorCount = useMemo(
    () => generalIssues.filter((issue) => issue.severity === 'error').length,
    [generalIssues],
  );

  return (
    <div className={styles.editorPage}>
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link href="/flows">Flows</Link> /
          </div>
          <div className={editorStyles.titleRow}>
            <h1>{flow.name}</h1>
            <span className="badge">graph</span>
            <span className="badge" data-testid="flow-version">
              v{version}
            </span>
            {unsaved && (
              <span className={editorStyles.unsaved} data-testid="unsaved">
                Unsaved changes
              </span>
            )}
          </div>
        </div>
        <div className={editorStyles.toolbar} role="toolbar" aria-label="Flow">
          <button type="button" className="button" onClick={() => setConverting(true)}>
            Convert to code
          </button>
          <RecentRuns flowId={flow.id} flowName={flow.name} />
          <VersionsButton
            flowName={flow.name}
            heldVersion={version}
            unsaved={unsaved}
            onRestored={draft.discard}
          />
          {toolbarExtra}
          <SaveAndRunButtons saving={saving} onSave={saveNow} onRun={openRun} />
        </div>
      </header>

      <DraftOffer draft={draft} unsaved={unsaved} onRestore={restoreDraft} />
      <section className={`card ${styles.editorCard}`}>
        <div className={styles.tabs} role="toolbar" aria-label="Canvas">
          <div role="tablist" aria-label="View" className={styles.tabList}>
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'canvas'}
              onClick={() => setTab('canvas')}
            >
              Canvas
            </button>
            <button type="button" role="tab" aria-selected={tab === 'code'} onClick={() => setTab('code')}>
              Code
            </button>
          </div>
          {tab === 'canvas' && (
            <>
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => model.getState().undo()}
                disabled={!canUndo}
                title="Undo (Ctrl+Z)"
              >
                Undo
              </button>
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => model.getState().redo()}
                disabled={!canRedo}
                title="Redo (Ctrl+Shift+Z)"
              >
                Redo
              </button>
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => void tidyUp()}
                title="Lay the graph out left to right (Shift+Alt+T)"
              >
                Tidy up
              </button>
              <button
                type="button"
                className="button button-ghost button-small"
                onClick={() => void reactFlow.fitView({ maxZoom: 1, padding: 0.15, duration: 200 })}
                title="Fit the view (Shift+1)"
              >
                Fit view
              </button>
            </>
          )}
          <span className={styles.tabsSpacer} />
          <button
            type="button"
            className="button button-ghost button-small"
            onClick={() => setHelpOpen(true)}
            aria-label="Keyboard shortcuts"
            title="Keyboard shortcuts (?)"
          >
            ?
          </button>
        </div>

        {tab === 'canvas' ? (
          <div className={styles.workspace}>
            <Palette onAdd={addInView} />
            <div ref={canvasRef} className={styles.canvasFrame}>
              <MemoCanvas onSelectionChange={onSelectionChange} />
            </div>
            {inspected !== undefined && (
              <Inspector key={inspected} nodeId={inspected} flowName={flow.name} rename={rename} />
            )}
          </div>
        ) : (
          <CodeTab
            flowName={flow.name}
            compiled={compiled}
            error={compileError}
            onConvert={() => setConverting(true)}
          />
        )}

        <div className={editorStyles.status} aria-live="polite">
          <SaveStatus state={saveState} unsaved={unsaved} />
          {layoutError && (
            <span className="alert" role="alert">
              Tidy up failed: {layoutError}
            </span>
          )}
          {generalIssues.length > 0 && (
            <span
              className={errorCount > 0 ? styles.statusError : undefined}
              title={generalIssues.map((issue) => issue.message).join('\n')}
            >
              {generalIssues[0]?.message}
              {generalIssues.length > 1 && ` (+${generalIssues.length - 1})`}
            </span>
          )}
          <span className={editorStyles.hint}>
            {checking ? 'Checking…' : `${graph.nodes.length} nodes · ${graph.edges.length} edges`} ·{' '}
            <kbd className={editorStyles.kbd}>?</kbd> shortcuts
          </span>
        </div>
      </section>

      <HelpPanel open={helpOpen} onClose={() => setHelpOpen(false)} />
      <ConvertDialog
        open={converting}
        unsaved={unsaved}
        pending={convert.isPending || saving}
        error={
          convert.error
            ? errorMessage(convert.error)
            : save.error
              ? `Not saved: ${errorMessage(save.error)}`
              : null
        }
        onConvert={async () => {
          if (unsaved) {
            try {
              await saveGraphAsync({ name: flow.name, graph: model.getState().graph, baseVersion: version });
            } catch {
              return; // the refusal shows in the dialog and at the nodes
            }
          }
          convert.mutate({ name: flow.name, to: 'code' });
        }}
        onClose={() => {
          convert.reset();
          setConverting(false);
        }}
      />
      {runDialog}
    </div>
  );
}
