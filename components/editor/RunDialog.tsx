'use client';

import { useEffect, useState } from 'react';
import { Dialog, DialogButtons } from '../ui/Dialog';
import styles from './editor.module.css';
import { FormError } from '../ui/FormError';
import { DEV_MODE_EXPLANATION } from '../executions/labels';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** '' means no input (null); anything else must be JSON. */
export function parseInput(text: string): { ok: true; value: JsonValue } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (error) {
    return { ok: false, message: `The input is not valid JSON: ${(error as Error).message}` };
  }
}

/** Asks for the input of a run; the JSON is checked here, so a typo never reaches the server. */
export function RunDialog({
  open,
  productive,
  flowName,
  version,
  unsaved,
  initialInput,
  pending,
  error,
  onRun,
  onClose,
}: {
  open: boolean;
  productive: boolean;
  flowName: string;
  version: number;
  unsaved: boolean;
  /** The text to start from (an execution's input, to edit and run again) instead of the last input. */
  initialInput?: string;
  pending: boolean;
  error: string | null;
  onRun: (input: JsonValue) => void;
  onClose: () => void;
}) {
  const [text, setText] = useState('{}');
  const [parseError, setParseError] = useState<string | null>(null);
  const lastInputKey = `flowline:last-input:${flowName}`;

  // Each time it opens, the dialog starts from the input it is given, or else from the input this flow
  // last ran with (in this browser).
  useEffect(() => {
    if (!open) return;
    const start = initialInput ?? readStored(lastInputKey);
    // eslint-disable-next-line react-hooks/set-state-in-effect -- storage is read when the dialog opens
    if (start !== null) setText(start);
  }, [open, initialInput, lastInputKey]);

  const submit = () => {
    const parsed = parseInput(text);
    if (!parsed.ok) {
      setParseError(parsed.message);
      return;
    }
    setParseError(null);
    writeStored(lastInputKey, text);
    onRun(parsed.value);
  };

  const shownError = parseError ?? error;
  return (
    <Dialog
      open={open}
      title={productive ? `Run ${flowName}` : `Run ${flowName} in dev mode`}
      onClose={onClose}
    >
      <form
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
        onKeyDown={(event) => {
          // Ctrl+Enter (Cmd+Enter on a Mac) runs from anywhere in the dialog, the textarea included.
          if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey)) return;
          event.preventDefault();
          if (!pending) submit();
        }}
      >
        <p className="muted">
          Runs version {version}
          {productive ? '' : ' in dev mode'}.{!productive && ` ${DEV_MODE_EXPLANATION}`}
          {unsaved && ' Your unsaved changes are not part of this run: save first to include them.'}
        </p>
        <div className="field">
          <label htmlFor="run-input">Input (JSON)</label>
          <textarea
            id="run-input"
            className={`input ${styles.inputJson}`}
            value={text}
            rows={8}
            spellCheck={false}
            aria-invalid={parseError ? true : undefined}
            aria-describedby="run-input-hint"
            onChange={(event) => {
              setText(event.target.value);
              setParseError(null);
            }}
          />
          <span id="run-input-hint" className="field-hint">
            The flow reads it as <code>this.input</code>. Leave it empty for no input. <kbd>Ctrl</kbd>+
            <kbd>Enter</kbd> runs it.
          </span>
        </div>
        <FormError message={shownError} />
        <DialogButtons
          onCancel={onClose}
          label={productive ? 'Run' : 'Run in dev mode'}
          pendingLabel="Starting…"
          pending={pending}
        />
      </form>
    </Dialog>
  );
}

function readStored(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStored(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Remembering the input is a convenience; a full or disabled storage just forgets it.
  }
}
