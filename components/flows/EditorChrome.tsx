'use client';

import { useMutation } from '@tanstack/react-query';
import { useRouter } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import styles from '../editor/editor.module.css';
import { DEV_MODE_EXPLANATION } from '../executions/labels';
import { RunDialog } from '../editor/RunDialog';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import type { LocalDraft } from '../ui/unsaved';

/** What the last save of an editor did: the status line shows it. */
export type SaveState =
  | { kind: 'idle' }
  /** `typeErrors`: what the code editor's type check found in the saved code (it saves anyway). */
  | { kind: 'saved'; version: number; typeErrors?: number }
  | { kind: 'error'; message: string; conflict: boolean };

/**
 * The save outcome in an editor's status line, the same for graphs and code: "Saved as version N", or
 * why not, with Reload when someone else saved a newer version (the page starts again from it).
 */
export function SaveStatus({ state, unsaved }: { state: SaveState; unsaved: boolean }) {
  const router = useRouter();
  if (state.kind === 'error') {
    return (
      <span className="alert" role="alert">
        Not saved: {state.message}
        {state.conflict && (
          <>
            {' '}
            <button type="button" className="button button-small" onClick={() => router.refresh()}>
              Reload
            </button>
          </>
        )}
      </span>
    );
  }
  if (state.kind === 'saved' && !unsaved) {
    return (
      <span className={state.typeErrors ? styles.savedWithProblems : styles.saved} role="status">
        Saved as version {state.version}
        {state.typeErrors
          ? `, with ${state.typeErrors} type ${state.typeErrors === 1 ? 'problem' : 'problems'} kept (the editor underlines them; a run may fail there)`
          : ''}
      </span>
    );
  }
  return null;
}

/**
 * The offer of a local draft an earlier visit left (components/ui/unsaved.ts, useLocalDraft), while
 * nothing is unsaved now. Restored or discarded, the draft is forgotten.
 */
export function DraftOffer<T>({
  draft,
  unsaved,
  onRestore,
}: {
  draft: LocalDraft<T>;
  unsaved: boolean;
  onRestore: (value: T) => void;
}) {
  const pending = draft.pending;
  if (!pending || unsaved) return null;
  return (
    <div className="alert" role="alert" data-testid="draft">
      Unsaved changes from {new Date(pending.at).toLocaleString()} were kept in this browser.{' '}
      <button
        type="button"
        className="button button-small"
        onClick={() => {
          onRestore(pending.value);
          draft.discard();
        }}
      >
        Restore them
      </button>{' '}
      <button type="button" className="button button-small button-ghost" onClick={draft.discard}>
        Discard
      </button>
    </div>
  );
}

/** Save, Run in dev mode and Run: the end of both editors' toolbars. */
export function SaveAndRunButtons({
  saving,
  onSave,
  onRun,
}: {
  saving: boolean;
  onSave: () => void;
  onRun: (productive: boolean) => void;
}) {
  return (
    <>
      <button type="button" className="button" onClick={onSave} disabled={saving}>
        {saving ? 'Saving…' : 'Save'}
      </button>
      <button type="button" className="button" title={DEV_MODE_EXPLANATION} onClick={() => onRun(false)}>
        Run in dev mode
      </button>
      <button type="button" className="button button-primary" onClick={() => onRun(true)}>
        Run
      </button>
    </>
  );
}

/** A run's input as the Run dialog's text: pretty JSON, and empty for no input. */
function inputText(input: unknown): string {
  return input === null || input === undefined ? '' : JSON.stringify(input, null, 2);
}

/**
 * Run and Run in dev mode, from an editor or an execution's page: `openRun(productive)` opens the input
 * dialog (`runDialog`, to render) with the input this flow last ran with, or with `input` when given;
 * `runNow` starts at once. A started run takes the user to its execution's live view.
 */
export function useRunFlow(flow: { name: string; version: number; unsaved: boolean }): {
  openRun: (productive: boolean, input?: unknown) => void;
  runNow: (productive: boolean, input: unknown) => void;
  /** Whether a run is being started or was (its page is on its way): buttons stand back. */
  starting: boolean;
  /** Whether the input dialog is open (an editor's keyboard shortcuts stand back meanwhile). */
  dialogOpen: boolean;
  /** Why the last start failed (a start without the dialog shows it next to its button). */
  startError: string | null;
  runDialog: ReactNode;
} {
  const trpc = useTRPC();
  const router = useRouter();
  const [running, setRunning] = useState<null | { productive: boolean; input?: string }>(null);
  const run = useMutation(
    trpc.flows.run.mutationOptions({ onSuccess: ({ id }) => router.push(`/executions/${id}`) }),
  );
  const productive = running?.productive ?? true;
  const error = run.error ? errorMessage(run.error) : null;
  return {
    dialogOpen: running !== null,
    starting: run.isPending || run.isSuccess,
    startError: running === null ? error : null,
    openRun(next, input) {
      run.reset();
      setRunning({ productive: next, input: input === undefined ? undefined : inputText(input) });
    },
    runNow(next, input) {
      run.mutate({ name: flow.name, input, productive: next });
    },
    runDialog: (
      <RunDialog
        open={running !== null}
        productive={productive}
        flowName={flow.name}
        version={flow.version}
        unsaved={flow.unsaved}
        initialInput={running?.input}
        pending={run.isPending || run.isSuccess}
        error={error}
        onRun={(input) => run.mutate({ name: flow.name, input, productive })}
        onClose={() => {
          setRunning(null);
          run.reset();
        }}
      />
    ),
  };
}
