'use client';

import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import type { FirstAdminInput, FirstAdminResult } from '@/server/setup/first-admin';
import { FormError } from '../ui/FormError';
import { TextField } from '../ui/TextField';

/**
 * Creates the first administrator and signs them straight in with the password they just chose; the
 * server checks the whole form and answers every problem at once.
 */
export function FirstAdminForm({
  createFirstAdmin,
}: {
  createFirstAdmin: (input: FirstAdminInput) => Promise<FirstAdminResult>;
}) {
  const [problems, setProblems] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const router = useRouter();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      email: String(form.get('email') ?? ''),
      name: String(form.get('name') ?? ''),
      password: String(form.get('password') ?? ''),
      confirm: String(form.get('confirm') ?? ''),
    };
    setPending(true);
    setProblems([]);
    const created = await createFirstAdmin(input);
    if (!created.ok) {
      setPending(false);
      setProblems(created.problems);
      return;
    }
    const signedIn = await signIn('credentials', {
      email: created.email,
      password: input.password,
      redirect: false,
    });
    // The account exists either way; should the session fail (a rate limit, say), reloading the page
    // shows the sign-in form instead of the set-up.
    if (signedIn?.ok && !signedIn.error) router.replace('/flows');
    else router.refresh();
  }

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <TextField id="name" label="Your name" name="name" autoComplete="name" autoFocus />
      <TextField id="email" label="Email" name="email" type="email" autoComplete="username" required />
      <TextField
        id="password"
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        required
        hint="At least 8 characters."
      />
      <TextField
        id="confirm"
        label="Repeat password"
        name="confirm"
        type="password"
        autoComplete="new-password"
        required
      />
      <FormError message={problems} />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? 'Creating…' : 'Create administrator'}
      </button>
    </form>
  );
}
