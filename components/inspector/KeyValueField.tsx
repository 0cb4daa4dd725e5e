'use client';

import { useState } from 'react';
import { ExpressionInput } from './ExpressionInput';
import styles from './inspector.module.css';

type Entries = Record<string, unknown>;

/**
 * An object param (`input`, `inputs`, `output`): rows of name and value, each value a text where
 * `{{ expression }}` may be written; or the whole object as JSON, for values that are not text.
 */
export function KeyValueField({
  id,
  value,
  onChange,
  upstream,
  invalid,
  describedBy,
}: {
  id: string;
  value: Entries | undefined;
  onChange: (value: Entries | undefined) => void;
  upstream: readonly string[];
  invalid?: boolean;
  describedBy?: string;
}) {
  const entries = Object.entries(value ?? {});
  const allText = entries.every(([, item]) => typeof item === 'string');
  const [asJson, setAsJson] = useState(!allText);
  const [json, setJson] = useState(() => JSON.stringify(value ?? {}, null, 2));
  const [jsonError, setJsonError] = useState<string | null>(null);

  const setEntries = (next: [string, unknown][]) =>
    onChange(next.length === 0 ? undefined : Object.fromEntries(next));

  if (asJson)
    return (
      <div className="stack">
        <textarea
          id={id}
          className={`input ${styles.json}`}
          rows={Math.min(12, Math.max(3, json.split('\n').length))}
          spellCheck={false}
          value={json}
          aria-invalid={invalid || jsonError !== null || undefined}
          aria-describedby={describedBy}
          onChange={(event) => {
            setJson(event.target.value);
            if (event.target.value.trim() === '') {
              setJsonError(null);
              onChange(undefined);
              return;
            }
            try {
              const parsed: unknown = JSON.parse(event.target.value);
              if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
                throw new Error('an object is expected, e.g. {"name": "value"}');
              setJsonError(null);
              onChange(parsed as Entries);
            } catch (error) {
              setJsonError((error as Error).message);
            }
          }}
        />
        {jsonError && <span className={styles.fieldError}>Not JSON: {jsonError}</span>}
        {Object.values(value ?? {}).every((item) => typeof item === 'string') && (
          <button type="button" className="button button-ghost button-small" onClick={() => setAsJson(false)}>
            Edit as fields
          </button>
        )}
      </div>
    );

  return (
    <div className={styles.keyValue} id={id} aria-describedby={describedBy}>
      {entries.map(([key, item], index) => (
        <div key={index} className={styles.keyValueRow}>
          <input
            className={`input ${styles.mono}`}
            aria-label={`Name ${index + 1}`}
            value={key}
            onChange={(event) =>
              setEntries(entries.map((entry, i) => (i === index ? [event.target.value, entry[1]] : entry)))
            }
          />
          <ExpressionInput
            id={`${id}-value-${index}`}
            value={String(item)}
            upstream={upstream}
            invalid={invalid}
            onChange={(text) =>
              setEntries(entries.map((entry, i) => (i === index ? [entry[0], text] : entry)))
            }
          />
          <button
            type="button"
            className="button button-ghost button-small"
            aria-label={`Remove ${key || 'row'}`}
            onClick={() => setEntries(entries.filter((_, i) => i !== index))}
          >
            ×
          </button>
        </div>
      ))}
      <div className={styles.keyValueActions}>
        <button
          type="button"
          className="button button-ghost button-small"
          onClick={() => {
            let n = entries.length + 1;
            while (`field_${n}` in (value ?? {})) n++;
            setEntries([...entries, [`field_${n}`, '']]);
          }}
        >
          + Add field
        </button>
        <button
          type="button"
          className="button button-ghost button-small"
          onClick={() => {
            setJson(JSON.stringify(value ?? {}, null, 2));
            setAsJson(true);
          }}
        >
          Edit as JSON
        </button>
      </div>
    </div>
  );
}
