'use client';

import type { ConnectorField, ConnectorForm } from '@/engine/connectors/form';
import { fieldLabel, type FieldValues } from './fields';
import styles from './connections.module.css';

/** The id of a field's input, so a problem can be revealed there (see revealInput). */
export function fieldInputId(name: string): string {
  return `connection-field-${name}`;
}

/**
 * The inputs of one connector's form, in its sections: common ones open, advanced ones folded (open at
 * first when they hold a stored value). One renderer per field kind. Secret inputs start empty and say
 * whether a value is stored; typing replaces it, "Remove" clears it, leaving it empty keeps it. A
 * problem with a field is shown at the field.
 */
export function ConnectionFields({
  form,
  values,
  openSections,
  secretsSet,
  removeSecrets,
  problem,
  onChange,
  onToggleRemove,
}: {
  form: ConnectorForm;
  values: FieldValues;
  /** Titles of the advanced sections shown open at first. */
  openSections: ReadonlySet<string>;
  secretsSet: Readonly<Record<string, boolean>>;
  removeSecrets: ReadonlySet<string>;
  problem: { field: string; message: string } | null;
  onChange: (name: string, value: string) => void;
  onToggleRemove: (name: string) => void;
}) {
  const byName = new Map(form.fields.map((field) => [field.name, field]));
  return (
    <div className={styles.sections}>
      {form.sections.map((section) => {
        const inputs = (
          <div className={styles.fields}>
            {section.fields.map((name) => {
              const field = byName.get(name);
              return (
                field && (
                  <FieldInput
                    key={name}
                    field={field}
                    value={values[name] ?? ''}
                    secretSet={secretsSet[name] ?? false}
                    removing={removeSecrets.has(name)}
                    problem={problem?.field === name ? problem.message : null}
                    onChange={(value) => onChange(name, value)}
                    onToggleRemove={() => onToggleRemove(name)}
                  />
                )
              );
            })}
          </div>
        );
        return section.advanced ? (
          <details key={section.title} className={styles.section} open={openSections.has(section.title)}>
            <summary>{section.title}</summary>
            {inputs}
          </details>
        ) : (
          <fieldset key={section.title} className={styles.section}>
            <legend>{section.title}</legend>
            {inputs}
          </fieldset>
        );
      })}
    </div>
  );
}

/** Titles of the advanced sections that hold a value: shown open, so nothing stored is hidden. */
export function sectionsWithValues(form: ConnectorForm, values: FieldValues): Set<string> {
  return new Set(
    form.sections
      .filter((section) => section.fields.some((name) => (values[name] ?? '') !== ''))
      .map((section) => section.title),
  );
}

/** Opens the folded section an input is in and moves the focus there (a problem was found in it). */
export function revealInput(id: string): void {
  const input = document.getElementById(id);
  const section = input?.closest('details');
  if (section) section.open = true;
  input?.focus();
}

function FieldInput({
  field,
  value,
  secretSet,
  removing,
  problem,
  onChange,
  onToggleRemove,
}: {
  field: ConnectorField;
  value: string;
  secretSet: boolean;
  removing: boolean;
  /** What is wrong with the field's value, shown under it. */
  problem: string | null;
  onChange: (value: string) => void;
  onToggleRemove: () => void;
}) {
  const id = fieldInputId(field.name);
  const hintId = field.description ? `${id}-hint` : undefined;
  const errorId = `${id}-error`;
  const common = {
    id,
    name: field.name,
    'aria-invalid': problem !== null ? true : undefined,
    'aria-errormessage': problem !== null ? errorId : undefined,
    'aria-describedby': hintId,
  } as const;
  const placeholder = field.default === null ? undefined : `default: ${JSON.stringify(field.default)}`;
  let input;
  switch (field.kind) {
    case 'enum':
      input = (
        <select
          {...common}
          className="input"
          value={value}
          onChange={(event) => onChange(event.target.value)}
        >
          <option value="">
            {field.default === null ? '(not set)' : `(default: ${String(field.default)})`}
          </option>
          {field.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
      break;
    case 'boolean':
      input = (
        <select
          {...common}
          className="input"
          value={value}
          onChange={(event) => onChange(event.target.value)}
        >
          <option value="">
            {field.default === null ? '(not set)' : `(default: ${String(field.default)})`}
          </option>
          <option value="true">yes</option>
          <option value="false">no</option>
        </select>
      );
      break;
    case 'number':
    case 'integer':
      input = (
        <input
          {...common}
          className="input"
          type="number"
          step={field.kind === 'integer' ? 1 : 'any'}
          min={field.minimum ?? undefined}
          max={field.maximum ?? undefined}
          placeholder={placeholder}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
      break;
    case 'json':
      input = (
        <textarea
          {...common}
          className={`input ${styles.json}`}
          spellCheck={false}
          rows={value.includes('\n') ? Math.min(10, value.split('\n').length + 1) : 2}
          placeholder={placeholder ?? 'JSON'}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
      break;
    case 'secret':
      input = (
        <div className="row">
          <input
            {...common}
            className="input"
            type="password"
            autoComplete="new-password"
            disabled={removing}
            placeholder={secretSet ? 'unchanged' : undefined}
            value={value}
            onChange={(event) => onChange(event.target.value)}
          />
          <span className="badge" data-testid={`secret-state-${field.name}`}>
            {removing ? 'will be removed' : secretSet ? 'set' : 'not set'}
          </span>
          {secretSet && (
            <button type="button" className="button button-ghost button-small" onClick={onToggleRemove}>
              {removing ? 'Keep' : 'Remove'}
            </button>
          )}
        </div>
      );
      break;
    default:
      input = (
        <input
          {...common}
          className="input"
          autoComplete="off"
          placeholder={placeholder}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{fieldLabel(field.name)}</label>
      {input}
      {problem !== null && (
        <span id={errorId} className={styles.fieldError} role="alert">
          {problem}
        </span>
      )}
      {hintId && (
        <span id={hintId} className="field-hint">
          {field.description}
        </span>
      )}
    </div>
  );
}
