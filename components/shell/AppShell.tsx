import Link from 'next/link';
import type { ReactNode } from 'react';
import { CollapsibleSidebar } from './CollapsibleSidebar';
import { NavLinks } from './NavLinks';
import { SignOutButton } from './SignOutButton';
import { ThemeSwitch } from './ThemeSwitch';

export function AppShell({ user, children }: { user: { name: string; email: string }; children: ReactNode }) {
  const brand = (
    <Link href="/flows" className="brand" style={{ textDecoration: 'none' }}>
      <span className="brand-mark">F</span> Flowline
    </Link>
  );
  return (
    <div className="shell">
      <CollapsibleSidebar brand={brand}>
        <NavLinks />
        <div className="sidebar-user">
          <ThemeSwitch />
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
      </CollapsibleSidebar>
      <main className="main">{children}</main>
    </div>
  );
}
