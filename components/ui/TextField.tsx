import type { InputHTMLAttributes, ReactNode } from 'react';

/** A labelled text input of a form (with an optional hint below it); other props go to the input. */
export function TextField({
  id,
  label,
  hint,
  ...input
}: { id: string; label: string; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} className="input" {...input} />
      {hint && <span className="field-hint">{hint}</span>}
    </div>
  );
}
