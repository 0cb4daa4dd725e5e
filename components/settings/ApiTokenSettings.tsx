'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNow } from '../executions/use-now';
import { useTRPC } from '../trpc';
import { ConfirmDialog, Dialog, DialogButtons } from '../ui/Dialog';
import { errorMessage } from '../ui/errors';
import { EmptyState, LoadState } from '../ui/ListStates';
import { KeyIcon, PlusIcon } from '../ui/icons';
import { formatDateTime, timeAgo } from '../ui/time';
import { FormError } from '../ui/FormError';
import { OneTimeSecret } from './OneTimeSecret';
import { TableHead } from '../ui/TableHead';
import { TextField } from '../ui/TextField';

type TokenRow = {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
};

/** The lifetimes offered for a new token, in days; '' never expires. */
const expiryChoices = [
  { days: '', label: 'Never' },
  { days: '7', label: '7 days' },
  { days: '30', label: '30 days' },
  { days: '90', label: '90 days' },
  { days: '365', label: '1 year' },
];

function ExpiryCell({ expiresAt }: { expiresAt: Date | null }) {
  const now = useNow(false);
  if (!expiresAt) return <td className="muted">Never</td>;
  const expired = now !== null && expiresAt.getTime() <= now;
  return (
    <td className="muted" title={formatDateTime(expiresAt)}>
      {expired ? <span className="badge badge-danger">Expired</span> : formatDateTime(expiresAt)}
    </td>
  );
}

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
          <TableHead columns={['Name', 'Token', 'Created', 'Last used', 'Expires']} actions />
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
                <ExpiryCell expiresAt={token.expires_at} />
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
          <OneTimeSecret
            secret={create.data.token}
            explanation="This is the only time the token is shown. Store it somewhere safe now."
            testId="new-token"
            onDone={closeCreate}
          />
        ) : (
          <NewTokenForm
            pending={create.isPending}
            error={create.error ? errorMessage(create.error) : null}
            onSubmit={(name, expiresInDays) => create.mutate({ name, expiresInDays })}
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
  onSubmit: (name: string, expiresInDays: number | undefined) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('');
  function submit(event: FormEvent) {
    event.preventDefault();
    props.onSubmit(name, expiry ? Number(expiry) : undefined);
  }
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <TextField
        id="token-name"
        label="Name"
        value={name}
        onChange={(event) => setName(event.target.value)}
        placeholder="e.g. deploy pipeline"
        aria-invalid={props.error ? true : undefined}
        autoFocus
        autoComplete="off"
        hint="Say where the token will be used, so you know what to revoke later."
      />
      <div className="field">
        <label htmlFor="token-expiry">Expires</label>
        <select
          id="token-expiry"
          className="input"
          value={expiry}
          onChange={(event) => setExpiry(event.target.value)}
        >
          {expiryChoices.map(({ days, label }) => (
            <option key={label} value={days}>
              {label}
            </option>
          ))}
        </select>
        <span className="field-hint">An expired token is refused; a script then says when it expired.</span>
      </div>
      <FormError message={props.error} />
      <DialogButtons
        onCancel={props.onCancel}
        label="Create token"
        pendingLabel="Creating…"
        pending={props.pending}
      />
    </form>
  );
}
