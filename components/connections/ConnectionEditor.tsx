'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import type { ConnectionTestResult } from '@/engine/connectors/connections';
import type { ConnectorForm } from '@/engine/connectors/form';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import { FormError } from '../ui/FormError';
import { ConnectionFields, fieldInputId, revealInput, sectionsWithValues } from './ConnectionFields';
import {
  messageAtField,
  problemField,
  problemOfError,
  toConfig,
  toFieldValues,
  type FieldValues,
  type FormProblem,
} from './fields';
import { TestOutcome } from './TestOutcome';
import styles from './connections.module.css';

const NAME_INPUT_ID = 'connection-name';

/** The create page (no `name`) and the edit page of one connection. */
export function ConnectionEditor({ name }: { name?: string }) {
  const trpc = useTRPC();
  const types = useQuery(trpc.connections.types.queryOptions());
  const existing = useQuery({
    ...trpc.connections.get.queryOptions({ name: name ?? '' }),
    enabled: name !== undefined,
  });

  const heading = name === undefined ? 'New connection' : name;
  const failed = types.error ?? existing.error;
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <p className="breadcrumb">
            <Link href="/connections">Connections</Link>
          </p>
          <h1>{heading}</h1>
          <p>
            {name === undefined
              ? 'Settings and secrets for one system your flows talk to. Secrets are encrypted and never shown again.'
              : 'Secret fields are write-only: leave them empty to keep the stored value.'}
          </p>
        </div>
      </header>
      {failed && (
        <p className="alert" role="alert">
          {errorMessage(failed)}
        </p>
      )}
      {!failed && (!types.data || (name !== undefined && !existing.data)) && (
        <div className="card placeholder">Loading…</div>
      )}
      {types.data && (name === undefined || existing.data) && (
        <EditorForm
          key={existing.data?.updated_at.toString() ?? 'new'}
          forms={types.data}
          existing={existing.data}
        />
      )}
    </div>
  );
}

type Existing = { name: string; connector_type: string; config: Record<string, unknown> };

function EditorForm({ forms, existing }: { forms: ConnectorForm[]; existing: Existing | undefined }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const [name, setName] = useState(existing?.name ?? '');
  const [type, setType] = useState(existing?.connector_type ?? forms[0]?.type ?? '');
  const form = forms.find((candidate) => candidate.type === type);
  const [values, setValues] = useState<FieldValues>(() =>
    form && existing ? toFieldValues(form.fields, existing.config) : {},
  );
  // Decided once: a section opened or closed by hand stays so while its values change.
  const [openSections] = useState(() => (form ? sectionsWithValues(form, values) : new Set<string>()));
  const [removeSecrets, setRemoveSecrets] = useState<Set<string>>(new Set());
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [tested, setTested] = useState<ConnectionTestResult | null>(null);

  const secretsSet: Record<string, boolean> = {};
  for (const field of form?.fields ?? []) {
    const stored = existing?.config[field.name];
    if (field.kind === 'secret')
      secretsSet[field.name] = (stored as { set?: boolean } | undefined)?.set === true;
  }

  /** Whether a problem about `field` is shown at an input of this form (else under the form). */
  const hasInput = (field: string | null): field is string =>
    field === 'name' ||
    (field !== null && (form?.fields.some((candidate) => candidate.name === field) ?? false));

  /** Shows a problem: at its field when the form has one (opened and focused), else under the form. */
  const report = (next: FormProblem) => {
    setProblem(next);
    const field = problemField(next);
    if (hasInput(field)) revealInput(field === 'name' ? NAME_INPUT_ID : fieldInputId(field));
  };

  const done = async (saved: { name: string }) => {
    await queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.connections.get.queryKey({ name: saved.name }) });
    router.push(`/connections/${encodeURIComponent(saved.name)}`);
  };
  const onSaveError = (error: { message: string; data?: unknown }) => report(problemOfError(error));
  const create = useMutation(
    trpc.connections.create.mutationOptions({ onSuccess: done, onError: onSaveError }),
  );
  const update = useMutation(
    trpc.connections.update.mutationOptions({ onSuccess: done, onError: onSaveError }),
  );
  const saving = create.isPending || update.isPending;

  // The outcome says what failed; a field it names is marked too (the message is not repeated below).
  const onTested = (result: ConnectionTestResult) => {
    setTested(result);
    if (result.ok || result.field === undefined) return;
    const found = { path: result.field, message: result.message };
    if (hasInput(problemField(found))) report(found);
  };
  const onTestError = (error: { message: string; data?: unknown }) => {
    const { path, message } = problemOfError(error);
    onTested({ ok: false, message, ...(path === null ? {} : { field: path }) });
  };
  const testEdit = useMutation(
    trpc.connections.test.mutationOptions({ onSuccess: onTested, onError: onTestError }),
  );
  const testNew = useMutation(
    trpc.connections.testNew.mutationOptions({ onSuccess: onTested, onError: onTestError }),
  );
  const testing = testEdit.isPending || testNew.isPending;

  /** The form's config, or null when a value cannot be read (the problem is shown at its field). */
  function readConfig(): Record<string, unknown> | null {
    setProblem(null);
    if (!form) return null;
    const result = toConfig(form.fields, values, removeSecrets);
    if ('problem' in result) {
      report(result.problem);
      return null;
    }
    return result.config;
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const config = readConfig();
    if (config === null) return;
    if (existing) update.mutate({ name: existing.name, new_name: name, config });
    else create.mutate({ name, connector_type: type, config });
  }

  /** Tests what the form holds, unsaved (over the stored secrets when editing). */
  function test() {
    setTested(null);
    const config = readConfig();
    if (config === null) return;
    if (existing) testEdit.mutate({ name: existing.name, config });
    else testNew.mutate({ connector_type: type, config });
  }

  const invalidField = problemField(problem);
  const atField = problem !== null && hasInput(invalidField);
  const fieldProblem =
    problem !== null && hasInput(invalidField)
      ? { field: invalidField, message: messageAtField(problem) }
      : null;
  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Connection">
      <div className="card-body stack">
        <div className="row">
          <div className="field" style={{ flex: 2 }}>
            <label htmlFor={NAME_INPUT_ID}>Name</label>
            <input
              id={NAME_INPUT_ID}
              className="input"
              value={name}
              autoComplete="off"
              aria-invalid={fieldProblem?.field === 'name' ? true : undefined}
              aria-errormessage={fieldProblem?.field === 'name' ? `${NAME_INPUT_ID}-error` : undefined}
              onChange={(event) => setName(event.target.value)}
            />
            {fieldProblem?.field === 'name' && (
              <span id={`${NAME_INPUT_ID}-error`} className={styles.fieldError} role="alert">
                {fieldProblem.message}
              </span>
            )}
          </div>
          <div className="field" style={{ flex: 1 }}>
            <label htmlFor="connection-type">Connector</label>
            <select
              id="connection-type"
              className="input"
              value={type}
              disabled={existing !== undefined}
              onChange={(event) => {
                setType(event.target.value);
                setValues({});
                setProblem(null);
                setTested(null);
              }}
            >
              {forms.map((candidate) => (
                <option key={candidate.type} value={candidate.type}>
                  {candidate.title === candidate.type
                    ? candidate.type
                    : `${candidate.type} — ${candidate.title}`}
                </option>
              ))}
            </select>
          </div>
        </div>
        {form && <p className="muted">{form.description}</p>}
        {form && (
          <ConnectionFields
            key={form.type}
            form={form}
            values={values}
            openSections={openSections}
            secretsSet={secretsSet}
            removeSecrets={removeSecrets}
            problem={fieldProblem?.field === 'name' ? null : fieldProblem}
            onChange={(field, value) => setValues((before) => ({ ...before, [field]: value }))}
            onToggleRemove={(field) =>
              setRemoveSecrets((before) => {
                const next = new Set(before);
                if (!next.delete(field)) next.add(field);
                return next;
              })
            }
          />
        )}
        {form && form.callFields.length > 0 && <CallFieldsNote form={form} name={name} />}
        <FormError message={problem !== null && !atField ? problem.message : null} />
        {tested && <TestOutcome result={tested} showBody />}
        <div className="dialog-actions">
          <Link className="button" href="/connections">
            Cancel
          </Link>
          <button type="button" className="button" disabled={testing} onClick={test}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
          <button type="submit" className="button button-primary" disabled={saving}>
            {saving ? 'Saving…' : existing ? 'Save' : 'Create connection'}
          </button>
        </div>
      </div>
    </form>
  );
}

/** The inputs no connection stores (SQLPG's query), and how a call gives them. */
function CallFieldsNote({ form, name }: { form: ConnectorForm; name: string }) {
  const [first] = form.callFields;
  return (
    <p className={`muted ${styles.callFields}`}>
      Given by each call, not stored here:{' '}
      {form.callFields.map((field, at) => (
        <span key={field}>
          {at > 0 && ', '}
          <code>{field}</code>
        </span>
      ))}
      . For example <code>{`this.connect('${name || 'name'}', { ${first}: '…' })`}</code>.
    </p>
  );
}
