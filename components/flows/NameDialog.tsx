'use client';

import { useState, type FormEvent } from 'react';
import { Dialog } from '../ui/Dialog';
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
}: {
  open: boolean;
  title: string;
  description: string;
  initialName: string;
  submitLabel: string;
  pending: boolean;
  error: string | null;
  onSubmit: (name: string) => void;
  onClose: () => void;
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
      />
    </Dialog>
  );
}

function NameForm(props: {
  description: string;
  initialName: string;
  submitLabel: string;
  pending: boolean;
  error: string | null;
  onSubmit: (name: string) => void;
  onClose: () => void;
}) {
  const [name, setName] = useState(props.initialName);
  function submit(event: FormEvent) {
    event.preventDefault();
    props.onSubmit(name);
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
      <FormError message={props.error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onClose}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={props.pending}>
          {props.pending ? 'Saving…' : props.submitLabel}
        </button>
      </div>
    </form>
  );
}
