import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { FirstAdminForm } from '@/components/auth/FirstAdminForm';
import { SignInForm } from '@/components/auth/SignInForm';
import { getSessionUser } from '@/server/auth/session';
import { needsFirstAdmin as checkNeedsFirstAdmin } from '@/server/setup/first-admin';
import { createFirstAdminAction } from './actions';

export const metadata: Metadata = { title: 'Sign in' };

/** Only same-site paths may be returned to after signing in. */
function safeCallback(value: string | string[] | undefined): string {
  const path = Array.isArray(value) ? value[0] : value;
  return path && path.startsWith('/') && !path.startsWith('//') ? path : '/flows';
}

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const callbackUrl = safeCallback(params.callbackUrl);
  if (await getSessionUser()) redirect(callbackUrl);
  const needsFirstAdmin = await checkNeedsFirstAdmin();

  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand">
          <span className="brand-mark">F</span> Flowline
        </div>
        {needsFirstAdmin ? (
          <>
            <h1>Set up Flowline</h1>
            <p className="lead">No one has an account yet. Create the first administrator to get started.</p>
            <FirstAdminForm createFirstAdmin={createFirstAdminAction} />
          </>
        ) : (
          <>
            <h1>Sign in</h1>
            <p className="lead">Welcome back. Sign in to build and run your automation.</p>
            <SignInForm callbackUrl={callbackUrl} />
          </>
        )}
      </div>
    </main>
  );
}
