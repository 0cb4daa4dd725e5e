'use client';

import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import type { GraphIssue } from '@/engine/graph/issues';
import { useTRPC } from '../trpc';
import { ExpressionInput } from './ExpressionInput';
import { KeyValueField } from './KeyValueField';
import type { Field } from './schema-fields';
import { ScriptCodeField } from './ScriptCodeField';
import styles from './inspector.module.css';

export type FieldContext = {
  nodeId: string;
  nodeType: string;
  flowName: string;
  upstream: readonly string[];
};

/** The findings whose path is this field's (`<node>.params.<field>`, or below it). */
export function issuesAt(issues: readonly GraphIssue[], prefix: string): GraphIssue[] {
  return issues.filter(
    (issue) =>
      issue.path === prefix || issue.path.startsWith(`${prefix}.`) || issue.path.startsWith(`${prefix}[`),
  );
}

/** One param: its label, its control (from the schema), its help, and the findings at it. */
export function ParamField({
  field,
  value,
  onChange,
  issues,
  context,
  path,
}: {
  field: Field;
  value: unknown;
  onChange: (value: unknown) => void;
  issues: readonly GraphIssue[];
  context: FieldContext;
  path: string;
}) {
  const id = useId();
  const mine = issuesAt(issues, path);
  const invalid = mine.some((issue) => issue.severity === 'error');
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy =
    [field.description ? hintId : '', mine.length > 0 ? errorId : ''].join(' ').trim() || undefined;

  if (field.kind === 'group')
    return (
      <fieldset className={styles.group} data-field={field.name}>
        <legend>
          <label className={styles.toggle}>
            <input
              type="checkbox"
              checked={value !== undefined}
              onChange={(event) => onChange(event.target.checked ? defaultGroup(field) : undefined)}
            />
            {field.title}
          </label>
        </legend>
        {field.description && <span className="field-hint">{field.description}</span>}
        {value !== undefined &&
          field.fields?.map((child) => (
            <ParamField
              key={child.name}
              field={child}
              value={(value as Record<string, unknown>)[child.name]}
              onChange={(next) => {
                const group = { ...(value as Record<string, unknown>) };
                if (next === undefined) delete group[child.name];
                else group[child.name] = next;
                onChange(group);
              }}
              issues={issues}
              context={context}
              path={`${path}.${child.name}`}
            />
          ))}
        <FieldIssues id={errorId} issues={mine.filter((issue) => issue.path === path)} />
      </fieldset>
    );

  return (
    <div className="field" data-field={field.name}>
      {field.kind === 'boolean' ? (
        <label className={styles.toggle}>
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            ref={(input) => {
              if (input) input.indeterminate = value === undefined;
            }}
            aria-describedby={describedBy}
            onChange={(event) => onChange(event.target.checked)}
          />
          {field.title}
          {value === undefined && <span className="muted">(default)</span>}
        </label>
      ) : (
        <label htmlFor={id}>
          {field.title}
          {field.required && <span className={styles.required}> *</span>}
        </label>
      )}
      <Control
        id={id}
        field={field}
        value={value}
        onChange={onChange}
        invalid={invalid}
        describedBy={describedBy}
        context={context}
      />
      {field.description && (
        <span id={hintId} className="field-hint">
          {field.description}
          {field.templated && ' · {{ }} reads input and upstream nodes'}
        </span>
      )}
      <FieldIssues id={errorId} issues={mine} />
    </div>
  );
}

function FieldIssues({ id, issues }: { id: string; issues: readonly GraphIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul id={id} className={styles.fieldIssues} data-testid="field-issue">
      {issues.map((issue) => (
        <li
          key={issue.message}
          className={issue.severity === 'error' ? styles.fieldError : styles.fieldWarning}
        >
          {issue.message}
        </li>
      ))}
    </ul>
  );
}

function defaultGroup(field: Field): Record<string, unknown> {
  const group: Record<string, unknown> = {};
  for (const child of field.fields ?? [])
    if (child.required) group[child.name] = child.minimum ?? (child.kind === 'text' ? '' : 1);
  return group;
}

function Control({
  id,
  field,
  value,
  onChange,
  invalid,
  describedBy,
  context,
}: {
  id: string;
  field: Field;
  value: unknown;
  onChange: (value: unknown) => void;
  invalid: boolean;
  describedBy?: string;
  context: FieldContext;
}) {
  const common = { id, 'aria-invalid': invalid || undefined, 'aria-describedby': describedBy };
  const optionalText = (text: string) => onChange(text === '' && !field.required ? undefined : text);

  if (context.nodeType === 'flow' && field.name === 'flow')
    return (
      <FlowPicker
        {...common}
        value={String(value ?? '')}
        onChange={optionalText}
        current={context.flowName}
      />
    );
  if (context.nodeType === 'connection' && field.name === 'connection')
    return <ConnectionPicker {...common} value={String(value ?? '')} onChange={optionalText} />;

  switch (field.kind) {
    case 'code':
      return (
        <div className={styles.codeField} data-testid="script-code">
          <ScriptCodeField
            path={`file:///flows/${encodeURIComponent(context.flowName)}/nodes/${context.nodeId}.ts`}
            value={String(value ?? '')}
            onChange={(code) => onChange(code)}
            label={`Code of node ${context.nodeId}`}
          />
        </div>
      );
    case 'expression':
      return (
        <ExpressionInput
          id={id}
          bare
          value={String(value ?? '')}
          onChange={(text) => onChange(text)}
          upstream={context.upstream}
          invalid={invalid}
          describedBy={describedBy}
        />
      );
    case 'text':
      return field.templated ? (
        <ExpressionInput
          id={id}
          value={String(value ?? '')}
          onChange={optionalText}
          upstream={context.upstream}
          invalid={invalid}
          describedBy={describedBy}
        />
      ) : (
        <input
          {...common}
          className="input"
          value={String(value ?? '')}
          onChange={(event) => optionalText(event.target.value)}
        />
      );
    case 'number':
    case 'integer':
      return (
        <input
          {...common}
          className="input"
          type="number"
          step={field.kind === 'integer' ? 1 : 'any'}
          min={field.minimum}
          max={field.maximum}
          value={typeof value === 'number' ? value : ''}
          onChange={(event) => onChange(event.target.value === '' ? undefined : Number(event.target.value))}
        />
      );
    case 'boolean':
      return null; // the checkbox is the label (ParamField)
    case 'enum':
      return (
        <select
          {...common}
          className="input"
          value={String(value ?? '')}
          onChange={(event) => onChange(event.target.value === '' ? undefined : event.target.value)}
        >
          {!field.required && <option value="">(default)</option>}
          {field.required && value === undefined && <option value="">Choose…</option>}
          {field.options?.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      );
    case 'enum-list': {
      const chosen = Array.isArray(value) ? (value as string[]) : [];
      return (
        <div className={styles.choices} role="group" aria-describedby={describedBy}>
          {field.options?.map((option) => (
            <label key={option} className={styles.toggle}>
              <input
                type="checkbox"
                checked={chosen.includes(option)}
                onChange={(event) => {
                  const next = event.target.checked
                    ? field.options!.filter((item) => item === option || chosen.includes(item))
                    : chosen.filter((item) => item !== option);
                  onChange(next.length === 0 ? undefined : next);
                }}
              />
              {option}
            </label>
          ))}
        </div>
      );
    }
    case 'key-value':
      return (
        <KeyValueField
          id={id}
          value={value as Record<string, unknown> | undefined}
          onChange={onChange}
          upstream={context.upstream}
          invalid={invalid}
          describedBy={describedBy}
        />
      );
    default:
      return <JsonControl {...common} value={value} onChange={onChange} />;
  }
}

function JsonControl({
  value,
  onChange,
  ...rest
}: {
  id: string;
  value: unknown;
  onChange: (value: unknown) => void;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
}) {
  return (
    <textarea
      {...rest}
      className={`input ${styles.json}`}
      rows={3}
      defaultValue={value === undefined ? '' : JSON.stringify(value, null, 2)}
      onChange={(event) => {
        if (event.target.value.trim() === '') return onChange(undefined);
        try {
          onChange(JSON.parse(event.target.value));
        } catch {
          // not JSON yet: kept as typed, the param keeps its last value
        }
      }}
    />
  );
}

type PickerProps = {
  id: string;
  value: string;
  onChange: (value: string) => void;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
};

/** The flows to choose from (any name may be typed: a draft may name a flow that comes later). */
function FlowPicker({ current, ...props }: PickerProps & { current: string }) {
  const trpc = useTRPC();
  const flows = useQuery(trpc.flows.list.queryOptions());
  const listId = `${props.id}-flows`;
  return (
    <>
      <input
        {...props}
        className="input"
        list={listId}
        autoComplete="off"
        onChange={(event) => props.onChange(event.target.value)}
      />
      <datalist id={listId}>
        {flows.data
          ?.filter((flow) => flow.name !== current)
          .map((flow) => (
            <option key={flow.id} value={flow.name} />
          ))}
      </datalist>
    </>
  );
}

function ConnectionPicker(props: PickerProps) {
  const trpc = useTRPC();
  const connections = useQuery(trpc.connections.list.queryOptions());
  const names = connections.data?.map((connection) => connection.name) ?? [];
  return (
    <select {...props} className="input" onChange={(event) => props.onChange(event.target.value)}>
      <option value="">(none: a connector type, below)</option>
      {props.value !== '' && !names.includes(props.value) && (
        <option value={props.value}>{props.value}</option>
      )}
      {connections.data?.map((connection) => (
        <option key={connection.name} value={connection.name}>
          {connection.name} ({connection.connector_type})
        </option>
      ))}
    </select>
  );
}
