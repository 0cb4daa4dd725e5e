'use client';

import { usePathname } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { MenuIcon } from '../ui/icons';

/**
 * The sidebar; on a narrow screen it folds away behind a menu button in a top bar, and opens over the
 * page. It closes again by itself once the user has gone to another page.
 */
export function CollapsibleSidebar({ brand, children }: { brand: ReactNode; children: ReactNode }) {
  const pathname = usePathname();
  // Open on the page where it was opened: navigating elsewhere closes it without an effect.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === pathname;
  const close = () => setOpenOn(null);

  return (
    <>
      <header className="topbar">
        {brand}
        <button
          type="button"
          className="button button-ghost button-small"
          aria-expanded={open}
          aria-controls="sidebar"
          onClick={() => setOpenOn(open ? null : pathname)}
        >
          <MenuIcon width={18} height={18} /> Menu
        </button>
      </header>
      {open && <div className="sidebar-backdrop" aria-hidden="true" onClick={close} />}
      <aside
        id="sidebar"
        className="sidebar"
        data-open={open || undefined}
        onKeyDown={(event) => event.key === 'Escape' && close()}
      >
        {brand}
        {children}
      </aside>
    </>
  );
}
