'use client';

import { useSyncExternalStore } from 'react';
import { THEME_CHANGE_EVENT, THEME_STORAGE_KEY } from './theme-script';

/** The theme choice and the theme in effect, for the browser (how they are applied: ./theme-script.ts). */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

function readChoice(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(THEME_STORAGE_KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  } catch {
    return 'system'; // storage refused (private mode): the system decides
  }
}

/** Remembers the choice ('system' forgets it) and has the head script apply it at once. */
export function chooseTheme(choice: ThemeChoice): void {
  try {
    if (choice === 'system') window.localStorage.removeItem(THEME_STORAGE_KEY);
    else window.localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // Storage refused (private mode): nothing can be remembered, and the system's theme stays.
  }
  window.dispatchEvent(new Event(THEME_CHANGE_EVENT));
}

function subscribeToChoice(onChange: () => void): () => void {
  window.addEventListener(THEME_CHANGE_EVENT, onChange);
  window.addEventListener('storage', onChange);
  return () => {
    window.removeEventListener(THEME_CHANGE_EVENT, onChange);
    window.removeEventListener('storage', onChange);
  };
}

/** The remembered choice; 'system' on the server, which cannot know it. */
export function useThemeChoice(): ThemeChoice {
  return useSyncExternalStore(subscribeToChoice, readChoice, () => 'system');
}

function subscribeToTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  return () => observer.disconnect();
}

function readTheme(): Theme {
  return document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light';
}

/** The theme in effect, followed live. */
export function useTheme(): Theme {
  return useSyncExternalStore(subscribeToTheme, readTheme, () => 'light');
}
