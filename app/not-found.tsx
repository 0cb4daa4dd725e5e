import { AppShell } from '@/components/shell/AppShell';
import { NotFoundMessage } from '@/components/shell/NotFoundMessage';
import { getSessionUser } from '@/server/auth/session';

/** An address no route matches: inside the app's frame for a signed-in user, on its own otherwise. */
export default async function NotFound() {
  const user = await getSessionUser();
  if (user) {
    return (
      <AppShell user={{ name: user.name, email: user.email }}>
        <div className="page">
          <NotFoundMessage />
        </div>
      </AppShell>
    );
  }
  return (
    <main className="auth-page">
      <div className="auth-card">
        <div className="brand">
          <span className="brand-mark">F</span> Flowline
        </div>
        <NotFoundMessage />
      </div>
    </main>
  );
}
