'use client';

import { useRef, useState, type KeyboardEvent } from 'react';
import { completionAt, type Completion } from './completion';
import styles from './inspector.module.css';

/**
 * A text field where `{{ expression }}` may be written (or, `bare`, that is an expression itself),
 * completing `input`, the upstream node ids and their result fields as one types.
 */
export function ExpressionInput({
  id,
  value,
  onChange,
  bare = false,
  upstream,
  invalid,
  describedBy,
  placeholder,
}: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  bare?: boolean;
  upstream: readonly string[];
  invalid?: boolean;
  describedBy?: string;
  placeholder?: string;
}) {
  const ref = useRef<HTMLInputElement>(null);
  const [completion, setCompletion] = useState<Completion | null>(null);
  const [active, setActive] = useState(0);
  const listId = `${id}-completions`;

  const update = (text: string, caret: number) => {
    setCompletion(completionAt(text, caret, bare, upstream));
    setActive(0);
  };
  const accept = (item: string) => {
    const input = ref.current;
    if (!input || !completion) return;
    const caret = input.selectionStart ?? value.length;
    const next = value.slice(0, completion.from) + item + value.slice(caret);
    onChange(next);
    setCompletion(null);
    const at = completion.from + item.length;
    requestAnimationFrame(() => input.setSelectionRange(at, at));
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (!completion) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((index) => (index + step + completion.items.length) % completion.items.length);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      accept(completion.items[active] as string);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      setCompletion(null);
    }
  };

  return (
    <div className={styles.expression}>
      <input
        ref={ref}
        id={id}
        className={`input ${styles.mono}`}
        value={value}
        placeholder={placeholder}
        spellCheck={false}
        autoComplete="off"
        role="combobox"
        aria-expanded={completion !== null}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        onChange={(event) => {
          onChange(event.target.value);
          update(event.target.value, event.target.selectionStart ?? event.target.value.length);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setCompletion(null)}
      />
      {completion && (
        <ul id={listId} role="listbox" className={styles.completions} aria-label="Completions">
          {completion.items.map((item, index) => (
            <li
              key={item}
              role="option"
              aria-selected={index === active}
              onMouseDown={(event) => {
                event.preventDefault();
                accept(item);
              }}
            >
              {item}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
