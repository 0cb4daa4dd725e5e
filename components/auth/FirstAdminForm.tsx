'use client';

import { useState, type FormEvent } from 'react';
import { SignInForm } from './SignInForm';
import { FormError } from '../ui/FormError';

type FirstAdminResult = { ok: true; email: string } | { ok: false; message: string };

export function FirstAdminForm({
  createFirstAdmin,
}: {
  createFirstAdmin: (input: { email: string; name: string; password: string }) => Promise<FirstAdminResult>;
}) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [createdEmail, setCreatedEmail] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('confirm') ?? '')) {
      setError('The two passwords differ.');
      return;
    }
    setPending(true);
    setError(null);
    const result = await createFirstAdmin({
      email: String(form.get('email') ?? ''),
      name: String(form.get('name') ?? ''),
      password,
    });
    setPending(false);
    if (result.ok) setCreatedEmail(result.email);
    else setError(result.message);
  }

  if (createdEmail) {
    return (
      <div className="stack">
        <p className="alert alert-success" role="status">
          Administrator {createdEmail} created. Sign in with your new password.
        </p>
        <SignInForm callbackUrl="/flows" initialEmail={createdEmail} />
      </div>
    );
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor="name">Your name</label>
        <input id="name" name="name" className="input" autoComplete="name" autoFocus />
      </div>
      <div className="field">
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" className="input" autoComplete="username" required />
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          className="input"
          autoComplete="new-password"
          required
        />
        <span className="field-hint">At least 8 characters.</span>
      </div>
      <div className="field">
        <label htmlFor="confirm">Repeat password</label>
        <input
          id="confirm"
          name="confirm"
          type="password"
          className="input"
          autoComplete="new-password"
          required
        />
      </div>
      <FormError message={error} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? 'Creating…' : 'Create administrator'}
      </button>
    </form>
  );
}
