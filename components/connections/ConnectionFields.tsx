'use client';

import type { ConnectorField } from '@/engine/connectors/form';
import { fieldLabel, type FieldValues } from './fields';
import styles from './connections.module.css';

/**
 * The inputs of one connector's form: one renderer per field kind. Secret inputs start empty and say
 * whether a value is stored; typing replaces it, "Remove" clears it, leaving it empty keeps it.
 */
export function ConnectionFields({
  fields,
  values,
  secretsSet,
  removeSecrets,
  invalidField,
  onChange,
  onToggleRemove,
}: {
  fields: readonly ConnectorField[];
  values: FieldValues;
  secretsSet: Readonly<Record<string, boolean>>;
  removeSecrets: ReadonlySet<string>;
  invalidField: string | null;
  onChange: (name: string, value: string) => void;
  onToggleRemove: (name: string) => void;
}) {
  return (
    <div className={styles.fields}>
      {fields.map((field) => (
        <FieldInput
          key={field.name}
          field={field}
          value={values[field.name] ?? ''}
          secretSet={secretsSet[field.name] ?? false}
          removing={removeSecrets.has(field.name)}
          invalid={invalidField === field.name}
          onChange={(value) => onChange(field.name, value)}
          onToggleRemove={() => onToggleRemove(field.name)}
        />
      ))}
    </div>
  );
}

function FieldInput({
  field,
  value,
  secretSet,
  removing,
  invalid,
  onChange,
  onToggleRemove,
}: {
  field: ConnectorField;
  value: string;
  secretSet: boolean;
  removing: boolean;
  invalid: boolean;
  onChange: (value: string) => void;
  onToggleRemove: () => void;
}) {
  const id = `connection-field-${field.name}`;
  const hintId = `${id}-hint`;
  const common = {
    id,
    name: field.name,
    'aria-invalid': invalid ? true : undefined,
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
      <span id={hintId} className="field-hint">
        <code>{field.name}</code>
        {field.kind === 'json' ? ' (JSON)' : ''}
        {field.description ? ` — ${field.description}` : ''}
      </span>
    </div>
  );
}
