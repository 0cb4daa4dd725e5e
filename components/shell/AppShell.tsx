import Link from 'next/link';
import type { ReactNode } from 'react';
import { NavLinks } from './NavLinks';
import { SignOutButton } from './SignOutButton';

export function AppShell({ user, children }: { user: { name: string; email: string }; children: ReactNode }) {
  return (
    <div className="shell">
      <aside className="sidebar">
        <Link href="/flows" className="brand" style={{ textDecoration: 'none' }}>
          <span className="brand-mark">F</span> Flowline
        </Link>
        <NavLinks />
        <div className="sidebar-user">
          <div className="who" data-testid="signed-in-user">
            <span className="avatar" aria-hidden="true">
              {(user.name || user.email).slice(0, 1)}
            </span>
            <span className="who-text">
              <span>{user.name}</span>
              <span className="email">{user.email}</span>
            </span>
          </div>
          <SignOutButton />
        </div>
      </aside>
      <main className="main">{children}</main>
    </div>
  );
}
