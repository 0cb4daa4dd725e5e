'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../trpc';
import { ConfirmDialog, Dialog } from '../ui/Dialog';
import { errorMessage } from '../ui/errors';
import { EmptyState, LoadState } from '../ui/ListStates';
import { KeyIcon, PlusIcon } from '../ui/icons';
import { formatDateTime, timeAgo } from '../ui/time';
import { FormError } from '../ui/FormError';

type TokenRow = { id: string; name: string; prefix: string; created_at: Date; last_used_at: Date | null };

export function ApiTokenSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.apiTokens.list.queryOptions());
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<TokenRow | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.apiTokens.list.queryKey() });
  const create = useMutation(trpc.apiTokens.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(
    trpc.apiTokens.revoke.mutationOptions({
      onSuccess: () =>
        refresh().then(() => {
          setRevoking(null);
          revoke.reset();
        }),
    }),
  );

  const closeCreate = () => {
    setCreating(false);
    create.reset();
  };

  return (
    <section className="card" aria-labelledby="api-tokens-title">
      <div className="card-header">
        <div>
          <h2 id="api-tokens-title">API tokens</h2>
          <p>
            Scripts and CI call Flowline&apos;s REST API with <code>Authorization: Bearer &lt;token&gt;</code>
            . A token acts as you.
          </p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          <PlusIcon width={16} height={16} /> New token
        </button>
      </div>

      <LoadState query={tokens} noun="tokens" />
      {tokens.data && tokens.data.length === 0 && (
        <EmptyState icon={<KeyIcon width={24} height={24} />} title="No API tokens">
          Create a token for each script or pipeline, so you can revoke one without breaking the others.
        </EmptyState>
      )}
      {tokens.data && tokens.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Token</th>
              <th>Created</th>
              <th>Last used</th>
              <th className="actions">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((token) => (
              <tr key={token.id} data-testid="token-row">
                <td className="name-cell">{token.name}</td>
                <td>
                  <code className="muted">{token.prefix}…</code>
                </td>
                <td className="muted" title={formatDateTime(token.created_at)}>
                  {timeAgo(token.created_at)}
                </td>
                <td
                  className="muted"
                  title={token.last_used_at ? formatDateTime(token.last_used_at) : undefined}
                >
                  {token.last_used_at ? timeAgo(token.last_used_at) : 'Never'}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="button button-ghost button-small"
                    aria-label={`Revoke ${token.name}`}
                    onClick={() => setRevoking(token)}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <Dialog
        open={creating}
        title={create.data ? 'Copy your new token' : 'New API token'}
        onClose={closeCreate}
      >
        {create.data ? (
          <CreatedToken token={create.data.token} onDone={closeCreate} />
        ) : (
          <NewTokenForm
            pending={create.isPending}
            error={create.error ? errorMessage(create.error) : null}
            onSubmit={(name) => create.mutate({ name })}
            onCancel={closeCreate}
          />
        )}
      </Dialog>

      <ConfirmDialog
        open={revoking !== null}
        title="Revoke token?"
        message={
          <>
            Scripts using <strong>{revoking?.name}</strong> will get 401 Unauthorized from now on. This cannot
            be undone.
          </>
        }
        confirmLabel="Revoke token"
        pending={revoke.isPending}
        error={revoke.error ? errorMessage(revoke.error) : null}
        onConfirm={() => revoking && revoke.mutate({ id: revoking.id })}
        onClose={() => {
          setRevoking(null);
          revoke.reset();
        }}
      />
    </section>
  );
}

function NewTokenForm(props: {
  pending: boolean;
  error: string | null;
  onSubmit: (name: string) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState('');
  function submit(event: FormEvent) {
    event.preventDefault();
    props.onSubmit(name);
  }
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="token-name">Name</label>
        <input
          id="token-name"
          className="input"
          value={name}
          onChange={(event) => setName(event.target.value)}
          placeholder="e.g. deploy pipeline"
          aria-invalid={props.error ? true : undefined}
          autoFocus
          autoComplete="off"
        />
        <span className="field-hint">
          Say where the token will be used, so you know what to revoke later.
        </span>
      </div>
      <FormError message={props.error} />
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={props.pending}>
          {props.pending ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>
  );
}

function CreatedToken({ token, onDone }: { token: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="stack">
      <p className="muted">This is the only time the token is shown. Store it somewhere safe now.</p>
      <div className="secret">
        <code data-testid="new-token">{token}</code>
        <button
          type="button"
          className="button button-small"
          onClick={() =>
            navigator.clipboard.writeText(token).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <div className="dialog-actions">
        <button type="button" className="button button-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
