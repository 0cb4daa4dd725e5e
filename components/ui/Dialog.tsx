'use client';

import { useEffect, useId, useRef, type ReactNode } from 'react';
import { FormError } from './FormError';

/** A modal dialog on the native <dialog> element: focus trap, Escape and backdrop come for free. */
export function Dialog({
  open,
  title,
  onClose,
  children,
  className,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** More classes for the <dialog> (a wider one). */
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      className={className ? `dialog ${className}` : 'dialog'}
      aria-labelledby={titleId}
      onClose={onClose}
    >
      {open && (
        <div className="dialog-body">
          <h2 id={titleId}>{title}</h2>
          {children}
        </div>
      )}
    </dialog>
  );
}

type Confirmation = {
  message: ReactNode;
  confirmLabel: string;
  /** The button that backs out (default "Cancel"); name what it keeps, e.g. "Keep running". */
  cancelLabel?: string;
  pending: boolean;
  error?: string | null;
  onConfirm: () => void;
  onClose: () => void;
};

/** Asks before something that cannot be undone. */
export function ConfirmDialog({
  open,
  title,
  ...confirmation
}: { open: boolean; title: string } & Confirmation) {
  return (
    <Dialog open={open} title={title} onClose={confirmation.onClose}>
      <ConfirmContent {...confirmation} />
    </Dialog>
  );
}

/** A confirmation's body, for a dialog that shows something else once confirmed (a secret shown once). */
export function ConfirmContent({
  message,
  confirmLabel,
  cancelLabel = 'Cancel',
  pending,
  error,
  onConfirm,
  onClose,
}: Confirmation) {
  return (
    <>
      <p>{message}</p>
      <FormError message={error} />
      <DialogButtons
        cancelLabel={cancelLabel}
        onCancel={onClose}
        label={confirmLabel}
        pendingLabel="Working…"
        pending={pending}
        onAct={onConfirm}
        danger
      />
    </>
  );
}

/**
 * A dialog's two buttons: one backs out, one does what the dialog is for, showing `pendingLabel` while
 * that runs. The second submits the dialog's form unless `onAct` is given.
 */
export function DialogButtons({
  cancelLabel = 'Cancel',
  onCancel,
  label,
  pendingLabel,
  pending,
  onAct,
  danger = false,
}: {
  cancelLabel?: string;
  onCancel: () => void;
  label: string;
  pendingLabel: string;
  pending: boolean;
  onAct?: () => void;
  danger?: boolean;
}) {
  return (
    <div className="dialog-actions">
      <button type="button" className="button" onClick={onCancel}>
        {cancelLabel}
      </button>
      <button
        type={onAct ? 'button' : 'submit'}
        className={`button ${danger ? 'button-danger' : 'button-primary'}`}
        disabled={pending}
        onClick={onAct}
      >
        {pending ? pendingLabel : label}
      </button>
    </div>
  );
}
