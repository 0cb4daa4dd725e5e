'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../trpc';
import { ConfirmContent, ConfirmDialog, Dialog, DialogButtons } from '../ui/Dialog';
import { errorMessage } from '../ui/errors';
import { FormError } from '../ui/FormError';
import { LoadState } from '../ui/ListStates';
import { PlusIcon } from '../ui/icons';
import { timeAgo, formatDateTime } from '../ui/time';
import { OneTimeSecret } from './OneTimeSecret';
import { TableHead } from '../ui/TableHead';
import { TextField } from '../ui/TextField';

type UserRow = {
  id: string;
  email: string;
  name: string;
  is_admin: boolean;
  created_at: Date;
  deactivated_at: Date | null;
};

type Acting =
  { mode: 'invite' } | { mode: 'reset'; user: UserRow } | { mode: 'deactivate'; user: UserRow } | null;

/** For administrators: every user, invited with a temporary password, reset, deactivated or reactivated. */
export function UserManagement({ currentUserId }: { currentUserId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const [acting, setActing] = useState<Acting>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const invite = useMutation(trpc.users.invite.mutationOptions({ onSuccess: refresh }));
  const reset = useMutation(trpc.users.resetPassword.mutationOptions());
  const setActive = useMutation(
    trpc.users.setActive.mutationOptions({ onSuccess: () => refresh().then(close) }),
  );

  function close() {
    setActing(null);
    invite.reset();
    reset.reset();
    setActive.reset();
  }

  return (
    <section className="card" aria-labelledby="users-title">
      <div className="card-header">
        <div>
          <h2 id="users-title">Users</h2>
          <p>Who can sign in. Only administrators see this.</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setActing({ mode: 'invite' })}>
          <PlusIcon width={16} height={16} /> Invite user
        </button>
      </div>
      <LoadState query={users} noun="users" />
      {users.data && (
        <table className="table">
          <TableHead columns={['Name', 'Email', 'Role', 'Status']} actions />
          <tbody>
            {users.data.map((user) => (
              <tr key={user.id} data-testid="user-row">
                <td>{user.name}</td>
                <td className="muted">{user.email}</td>
                <td>{user.is_admin ? 'Administrator' : 'User'}</td>
                <td title={formatDateTime(user.deactivated_at ?? user.created_at)}>
                  {user.deactivated_at ? (
                    <span className="badge badge-danger">Deactivated</span>
                  ) : (
                    <span className="muted">Active, joined {timeAgo(user.created_at)}</span>
                  )}
                </td>
                <td className="actions">
                  {user.id !== currentUserId && (
                    <>
                      <button
                        type="button"
                        className="button button-ghost button-small"
                        aria-label={`Reset password of ${user.email}`}
                        onClick={() => setActing({ mode: 'reset', user })}
                      >
                        Reset password
                      </button>
                      {user.deactivated_at ? (
                        <button
                          type="button"
                          className="button button-ghost button-small"
                          aria-label={`Reactivate ${user.email}`}
                          disabled={setActive.isPending}
                          onClick={() => setActive.mutate({ id: user.id, active: true })}
                        >
                          Reactivate
                        </button>
                      ) : (
                        <button
                          type="button"
                          className="button button-ghost button-small"
                          aria-label={`Deactivate ${user.email}`}
                          onClick={() => setActing({ mode: 'deactivate', user })}
                        >
                          Deactivate
                        </button>
                      )}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {setActive.error && acting?.mode !== 'deactivate' && (
        <div className="card-body">
          <FormError message={errorMessage(setActive.error)} />
        </div>
      )}

      <Dialog
        open={acting?.mode === 'invite'}
        title={invite.data ? 'Hand on the temporary password' : 'Invite user'}
        onClose={close}
      >
        {invite.data ? (
          <OneTimeSecret
            secret={invite.data.temporaryPassword}
            explanation={`${invite.data.user.email} signs in with this password once, then chooses their own. It is shown only now.`}
            testId="temporary-password"
            onDone={close}
          />
        ) : (
          <InviteForm
            pending={invite.isPending}
            error={invite.error ? errorMessage(invite.error) : null}
            onSubmit={(input) => invite.mutate(input)}
            onCancel={close}
          />
        )}
      </Dialog>

      <Dialog
        open={acting?.mode === 'reset'}
        title={reset.data ? 'Hand on the temporary password' : 'Reset password?'}
        onClose={close}
      >
        {reset.data ? (
          <OneTimeSecret
            secret={reset.data.temporaryPassword}
            explanation={`${reset.data.user.email} signs in with this password once, then chooses a new one. It is shown only now.`}
            testId="temporary-password"
            onDone={close}
          />
        ) : (
          <ConfirmContent
            message={
              <>
                <strong>{acting?.mode === 'reset' ? acting.user.email : ''}</strong>&apos;s password stops
                working now; you get a temporary one to hand on.
              </>
            }
            confirmLabel="Reset password"
            pending={reset.isPending}
            error={reset.error ? errorMessage(reset.error) : null}
            onConfirm={() => acting?.mode === 'reset' && reset.mutate({ id: acting.user.id })}
            onClose={close}
          />
        )}
      </Dialog>
      <ConfirmDialog
        open={acting?.mode === 'deactivate'}
        title="Deactivate user?"
        message={
          <>
            <strong>{acting?.mode === 'deactivate' ? acting.user.email : ''}</strong> is signed out, cannot
            sign in, and their API tokens stop working. Their flows and executions stay. You can reactivate
            them later.
          </>
        }
        confirmLabel="Deactivate"
        pending={setActive.isPending}
        error={setActive.error ? errorMessage(setActive.error) : null}
        onConfirm={() =>
          acting?.mode === 'deactivate' && setActive.mutate({ id: acting.user.id, active: false })
        }
        onClose={close}
      />
    </section>
  );
}

function InviteForm(props: {
  pending: boolean;
  error: string | null;
  onSubmit: (input: { email: string; name: string; isAdmin: boolean }) => void;
  onCancel: () => void;
}) {
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    props.onSubmit({
      email: String(form.get('email') ?? ''),
      name: String(form.get('name') ?? ''),
      isAdmin: form.get('isAdmin') === 'on',
    });
  }
  return (
    <form className="stack" onSubmit={submit} noValidate>
      <TextField id="invite-email" label="Email" name="email" type="email" autoComplete="off" autoFocus />
      <TextField id="invite-name" label="Name" name="name" autoComplete="off" />
      <label className="checkbox-field">
        <input type="checkbox" name="isAdmin" /> Administrator (can manage users)
      </label>
      <FormError message={props.error} />
      <DialogButtons
        onCancel={props.onCancel}
        label="Invite"
        pendingLabel="Inviting…"
        pending={props.pending}
      />
    </form>
  );
}
