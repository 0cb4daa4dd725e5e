'use client';

import { useMutation } from '@tanstack/react-query';
import { signIn } from 'next-auth/react';
import { useState, type FormEvent } from 'react';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import { FormError } from '../ui/FormError';
import { TextField } from '../ui/TextField';

/**
 * The signed-in user's new password, given the current one; `onChanged` after it is stored. A change
 * ends every session of the user (any other browser is signed out), so this one signs in again with the
 * new password at once.
 */
export function ChangePasswordForm({ onChanged }: { onChanged?: () => void }) {
  const trpc = useTRPC();
  const [done, setDone] = useState(false);
  const change = useMutation(
    trpc.account.changePassword.mutationOptions({
      onSuccess: async ({ email }, { newPassword }) => {
        await signIn('credentials', { email, password: newPassword, redirect: false });
        setDone(true);
        onChanged?.();
      },
    }),
  );

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setDone(false);
    change.mutate({
      currentPassword: String(form.get('currentPassword') ?? ''),
      newPassword: String(form.get('newPassword') ?? ''),
      repeatPassword: String(form.get('repeatPassword') ?? ''),
    });
  }

  return (
    <form className="stack form-narrow" onSubmit={submit} noValidate aria-label="Change password">
      <TextField
        id="current-password"
        label="Current password"
        name="currentPassword"
        type="password"
        autoComplete="current-password"
      />
      <TextField
        id="new-password"
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        hint="At least 8 characters."
      />
      <TextField
        id="repeat-password"
        label="Repeat new password"
        name="repeatPassword"
        type="password"
        autoComplete="new-password"
      />
      <FormError message={change.error ? errorMessage(change.error) : null} />
      {done && (
        <p className="alert alert-success" role="status">
          Password changed. Other browsers signed in as you have been signed out.
        </p>
      )}
      <div>
        <button type="submit" className="button button-primary" disabled={change.isPending}>
          {change.isPending ? 'Saving…' : 'Change password'}
        </button>
      </div>
    </form>
  );
}
