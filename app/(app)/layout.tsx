import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { PasswordChangeRequired } from '@/components/settings/PasswordChangeRequired';
import { AppShell } from '@/components/shell/AppShell';
import { getSessionUser } from '@/server/auth/session';

/**
 * Every page inside the app needs a signed-in user (the proxy checks first; this checks again), who has
 * replaced a temporary password (invite, reset) by their own.
 */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await getSessionUser();
  if (!user) redirect('/signin');
  return (
    <AppShell user={{ name: user.name, email: user.email }}>
      {user.must_change_password ? <PasswordChangeRequired /> : children}
    </AppShell>
  );
}
