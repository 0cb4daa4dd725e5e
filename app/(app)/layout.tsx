import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { AppShell } from '@/components/shell/AppShell';
import { getSessionUser } from '@/server/auth/session';

/** Every page inside the app needs a signed-in user (the proxy checks first; this checks again). */
export default async function AppLayout({ children }: { children: ReactNode }) {
  const user = await getSessionUser();
  if (!user) redirect('/signin');
  return <AppShell user={{ name: user.name, email: user.email }}>{children}</AppShell>;
}
