'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import type { ConnectorForm } from '@/engine/connectors/form';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import { ConnectionFields } from './ConnectionFields';
import { toConfig, toFieldValues, type FieldValues } from './fields';
import { TestConnectionButton } from './TestConnectionButton';
import { FormError } from '../ui/FormError';

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
        {name !== undefined && existing.data && <TestConnectionButton name={existing.data.name} />}
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
  const [removeSecrets, setRemoveSecrets] = useState<Set<string>>(new Set());
  const [localError, setLocalError] = useState<{ field: string; error: string } | null>(null);

  const secretsSet: Record<string, boolean> = {};
  for (const field of form?.fields ?? []) {
    const stored = existing?.config[field.name];
    if (field.kind === 'secret')
      secretsSet[field.name] = (stored as { set?: boolean } | undefined)?.set === true;
  }

  const done = async (saved: { name: string }) => {
    await queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.connections.get.queryKey({ name: saved.name }) });
    router.push(`/connections/${encodeURIComponent(saved.name)}`);
  };
  const create = useMutation(trpc.connections.create.mutationOptions({ onSuccess: done }));
  const update = useMutation(trpc.connections.update.mutationOptions({ onSuccess: done }));
  const saving = create.isPending || update.isPending;
  const serverError = create.error ?? update.error;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!form) return;
    const result = toConfig(form.fields, values, removeSecrets);
    if ('error' in result) {
      setLocalError(result);
      return;
    }
    setLocalError(null);
    if (existing) {
      update.mutate({ name: existing.name, new_name: name, config: result.config });
    } else {
      create.mutate({ name, connector_type: type, config: result.config });
    }
  }

  const errorText = localError?.error ?? (serverError ? errorMessage(serverError) : null);
  const invalidField = localError?.field ?? fieldNamed(errorText, form);
  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Connection">
      <div className="card-body stack">
        <div className="row">
          <div className="field" style={{ flex: 2 }}>
            <label htmlFor="connection-name">Name</label>
            <input
              id="connection-name"
              className="input"
              value={name}
              autoComplete="off"
              aria-invalid={invalidField === 'name' ? true : undefined}
              onChange={(event) => setName(event.target.value)}
            />
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
            fields={form.fields}
            values={values}
            secretsSet={secretsSet}
            removeSecrets={removeSecrets}
            invalidField={invalidField}
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
        <FormError message={errorText} />
        <div className="dialog-actions">
          <Link className="button" href="/connections">
            Cancel
          </Link>
          <button type="submit" className="button button-primary" disabled={saving}>
            {saving ? 'Saving…' : existing ? 'Save' : 'Create connection'}
          </button>
        </div>
      </div>
    </form>
  );
}

/** The field a server message starts with ("port: ..."), to mark its input. */
function fieldNamed(message: string | null, form: ConnectorForm | undefined): string | null {
  const candidate = message?.match(/^([\w.]+):/)?.[1]?.split('.')[0];
  if (!candidate) return null;
  return form?.fields.some((field) => field.name === candidate) ? candidate : null;
}
