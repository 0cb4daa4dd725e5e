'use client';

import { Dialog, DialogButtons } from '../ui/Dialog';
import { FormError } from '../ui/FormError';

/** Asks before a graph flow becomes a code flow, and says what happens to the graph. */
export function ConvertDialog({
  open,
  unsaved,
  pending,
  error,
  onConvert,
  onClose,
}: {
  open: boolean;
  unsaved: boolean;
  pending: boolean;
  error: string | null;
  onConvert: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog open={open} title="Convert to code?" onClose={onClose}>
      <div className="stack">
        <p>
          The flow&apos;s compiled module (the Code tab) becomes its source, as a new version of kind code,
          and the page becomes the code editor. From then on you edit TypeScript.
        </p>
        <p className="muted">
          The graph stays in the flow&apos;s history: every earlier version keeps it. Code that keeps the
          compiled shape can be converted back to a graph.
          {unsaved && ' Your unsaved changes are saved first.'}
        </p>
        <FormError message={error} />
        <DialogButtons
          onCancel={onClose}
          label={unsaved ? 'Save and convert' : 'Convert to code'}
          pendingLabel="Converting…"
          pending={pending}
          onAct={onConvert}
        />
      </div>
    </Dialog>
  );
}
