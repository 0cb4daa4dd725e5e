'use client';

import { useEffect, useRef, useState } from 'react';

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

/** What the editor holds, as the draft in storage should reflect it. */
type DraftState<T> = { base: number; value: T; saved: T; offered: boolean };

/**
 * A local copy of unsaved work (localStorage, per key), written a moment after each change and at once
 * when the editor goes away (an in-app link, a closed tab), so leaving, a crash or a closed tab loses
 * nothing. `pending` is a draft left by an earlier visit, based on the version this editor opened at,
 * that differs from what is saved; `discard` forgets it (after a save, or when the user declines it).
 */
/** A draft a visit left (or none), and the way to forget it. */
export type LocalDraft<T> = { pending: Draft<T> | null; discard(): void };

export function useLocalDraft<T>(key: string, base: number, value: T, saved: T): LocalDraft<T> {
  const storageKey = `flowline:draft:${key}`;
  const [pending, setPending] = useState<Draft<T> | null>(null);
  const [openedWith] = useState(saved);
  const offered = pending !== null;
  const latest = useRef<DraftState<T>>({ base, value, saved, offered });

  // Read after the first render: the server has no storage, and the page must hydrate as rendered.
  useEffect(() => {
    const draft = readDraft<T>(storageKey, base, openedWith);
    // eslint-disable-next-line react-hooks/set-state-in-effect -- storage is read once, after hydration
    if (draft) setPending(draft);
  }, [storageKey, base, openedWith]);

  useEffect(() => {
    latest.current = { base, value, saved, offered };
    // Written a moment after the last change rather than on every keystroke.
    const timer = setTimeout(() => writeDraft(storageKey, latest.current), 400);
    return () => clearTimeout(timer);
  }, [storageKey, base, value, saved, offered]);

  // Leaving before that moment (a link followed straight after typing, the tab closed) writes at once.
  // Only ever a write: forgetting stays the timer's and discard's (React's development double mount
  // runs this before the stored draft is even read).
  useEffect(() => {
    const current = latest;
    const flush = () => {
      if (!sameValue(current.current.value, current.current.saved)) writeDraft(storageKey, current.current);
    };
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, [storageKey]);

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

/** Stores the unsaved value, or forgets the stored one once nothing is unsaved and none is on offer. */
function writeDraft<T>(storageKey: string, state: DraftState<T>): void {
  try {
    if (!sameValue(state.value, state.saved)) {
      const draft: Draft<T> = { base: state.base, value: state.value, at: Date.now() };
      window.localStorage.setItem(storageKey, JSON.stringify(draft));
    } else if (!state.offered) {
      // An offered draft stays stored until it is restored or discarded, even while nothing is edited.
      window.localStorage.removeItem(storageKey);
    }
  } catch {
    // A full or disabled storage only costs the draft.
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function readDraft<T>(storageKey: string, base: number, saved: T): Draft<T> | null {
  if (typeof window === 'undefined') return null;
  try {
    const draft = JSON.parse(window.localStorage.getItem(storageKey) ?? 'null') as Draft<T> | null;
    if (!draft || draft.base !== base || sameValue(draft.value, saved)) return null;
    return draft;
  } catch {
    return null;
  }
}
