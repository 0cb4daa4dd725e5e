'use client';

import { useEffect, useState } from 'react';

export const LEAVE_QUESTION = 'You have unsaved changes. Leave this page and lose them?';

/**
 * While there are unsaved changes, leaving asks first: a reload or a closed tab (the browser's own
 * question) and every in-app link (the App Router has no way to block a navigation, so a link click is
 * caught before Next.js handles it). Links that open elsewhere (new tab, download) pass.
 */
export function useLeaveGuard(unsaved: boolean): void {
  useEffect(() => {
    if (!unsaved) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    const onClick = (event: MouseEvent) => {
      if (
        event.defaultPrevented ||
        event.button !== 0 ||
        event.metaKey ||
        event.ctrlKey ||
        event.shiftKey ||
        event.altKey
      )
        return;
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (!(link instanceof HTMLAnchorElement) || link.target === '_blank' || link.hasAttribute('download'))
        return;
      const to = new URL(link.href, window.location.href);
      if (to.origin !== window.location.origin || to.pathname === window.location.pathname) return;
      if (!window.confirm(LEAVE_QUESTION)) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    // Capture phase: before Next.js's Link sees the click.
    document.addEventListener('click', onClick, true);
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      document.removeEventListener('click', onClick, true);
    };
  }, [unsaved]);
}

type Draft<T> = { base: number; value: T; at: number };

/**
 * A local copy of unsaved work (localStorage, per key), written a moment after each change, so a crash
 * or a closed tab loses nothing. `pending` is a draft left by an earlier visit, based on the version
 * this editor opened at, that differs from what is saved; `discard` forgets it (after a save, or when
 * the user declines it).
 */
export function useLocalDraft<T>(key: string, base: number, value: T, saved: T) {
  const storageKey = `flowline:draft:${key}`;
  const [pending, setPending] = useState<Draft<T> | null>(null);
  const [openedWith] = useState(saved);

  // Read after the first render: the server has no storage, and the page must hydrate as rendered.
  useEffect(() => {
    const draft = readDraft<T>(storageKey, base, openedWith);
    // eslint-disable-next-line react-hooks/set-state-in-effect -- storage is read once, after hydration
    if (draft) setPending(draft);
  }, [storageKey, base, openedWith]);

  useEffect(() => {
    const timer = setTimeout(() => {
      try {
        // An offered draft stays stored until it is restored or discarded, even while nothing is edited.
        if (JSON.stringify(value) === JSON.stringify(saved)) {
          if (!pending) window.localStorage.removeItem(storageKey);
        } else
          window.localStorage.setItem(
            storageKey,
            JSON.stringify({ base, value, at: Date.now() } satisfies Draft<T>),
          );
      } catch {
        // A full or disabled storage only costs the draft.
      }
    }, 400);
    return () => clearTimeout(timer);
  }, [storageKey, base, value, saved, pending]);

  return {
    pending,
    discard() {
      setPending(null);
      try {
        window.localStorage.removeItem(storageKey);
      } catch {
        // nothing to forget
      }
    },
  };
}

function readDraft<T>(storageKey: string, base: number, saved: T): Draft<T> | null {
  if (typeof window === 'undefined') return null;
  try {
    const draft = JSON.parse(window.localStorage.getItem(storageKey) ?? 'null') as Draft<T> | null;
    if (!draft || draft.base !== base || JSON.stringify(draft.value) === JSON.stringify(saved)) return null;
    return draft;
  } catch {
    return null;
  }
}
