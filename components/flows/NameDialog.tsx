'use client';

import { useState, type FormEvent } from 'react';
import { Dialog, DialogButtons } from '../ui/Dialog';
import { FormError } from '../ui/FormError';

/** Asks for a flow name (create and rename), showing the server's answer when it refuses. */
export function NameDialog({
  open,
  title,
  description,
  initialName,
  submitLabel,
  pending,
  error,
  onSubmit,
  onClose,
  chooseKind = false,
}: {
  open: boolean;
  title: string;
  description: string;
  initialName: string;
  submitLabel: string;
  pending: boolean;
  error: string | null;
  onSubmit: (name: string, kind: FlowKind) => void;
  onClose: () => void;
  /** Offer the choice of a graph or a code flow (creating). */
  chooseKind?: boolean;
}) {
  return (
    <Dialog open={open} title={title} onClose={onClose}>
      <NameForm
        key={initialName}
        description={description}
        initialName={initialName}
        submitLabel={submitLabel}
        pending={pending}
        error={error}
        onSubmit={onSubmit}
        onClose={onClose}
        chooseKind={chooseKind}
      />
    </Dialog>
  );
}

export type FlowKind = 'graph' | 'code';

function NameForm(props: {
  description: string;
  initialName: string;
  submitLabel: string;
  pending: boolean;
  error: string | null;
  onSubmit: (name: string, kind: FlowKind) => void;
  onClose: () => void;
  chooseKind: boolean;
}) {
  const [name, setName] = useState(props.initialName);
  const [kind, setKind] = useState<FlowKind>('code');
  function submit(event: FormEvent) {
    event.preventDefault();
    props.onSubmit(name, kind);
  }
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <p className="muted">{props.description}</p>
      <div className="field">
        <label htmlFor="flow-name">Name</label>
        <input
          id="flow-name"
          className="input"
          value={name}
          onChange={(event) => setName(event.target.value)}
          aria-invalid={props.error ? true : undefined}
          aria-describedby="flow-name-hint"
          autoFocus
          autoComplete="off"
        />
        <span id="flow-name-hint" className="field-hint">
          Up to 128 letters, digits, spaces, - _ and . — unique among your flows.
        </span>
      </div>
      {props.chooseKind && (
        <fieldset className="kind-choice">
          <legend>Kind</legend>
          <label>
            <input
              type="radio"
              name="flow-kind"
              checked={kind === 'graph'}
              onChange={() => setKind('graph')}
            />
            <span>
              <strong>Graph</strong> drawn on a canvas: nodes for calls, flows, scripts and conditions
            </span>
          </label>
          <label>
            <input type="radio" name="flow-kind" checked={kind === 'code'} onChange={() => setKind('code')} />
            <span>
              <strong>Code</strong> a TypeScript handler, written in the editor
            </span>
          </label>
        </fieldset>
      )}
      <FormError message={props.error} />
      <DialogButtons
        onCancel={props.onClose}
        label={props.submitLabel}
        pendingLabel="Saving…"
        pending={props.pending}
      />
    </form>
  );
}
