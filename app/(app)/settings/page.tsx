import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { ApiTokenSettings } from '@/components/settings/ApiTokenSettings';
import { ChangePasswordForm } from '@/components/settings/ChangePasswordForm';
import { UserManagement } from '@/components/settings/UserManagement';
import { getSessionUser } from '@/server/auth/session';

export const metadata: Metadata = { title: 'Settings' };

export default async function SettingsPage() {
  const user = await getSessionUser();
  if (!user) redirect('/signin');
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Settings</h1>
          <p>Your account, access for scripts{user.is_admin ? ', and who can sign in' : ''}.</p>
        </div>
      </header>
      <section className="card" aria-labelledby="password-title">
        <div className="card-header">
          <div>
            <h2 id="password-title">Password</h2>
            <p>Signed in as {user.email}.</p>
          </div>
        </div>
        <div className="card-body">
          <ChangePasswordForm />
        </div>
      </section>
      <ApiTokenSettings />
      {user.is_admin && <UserManagement currentUserId={user.id} />}
    </div>
  );
}
