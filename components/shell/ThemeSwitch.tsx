'use client';

import { chooseTheme, useThemeChoice, type ThemeChoice } from '../ui/theme';

const choices: { value: ThemeChoice; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** System / Light / Dark, remembered in this browser. */
export function ThemeSwitch() {
  const current = useThemeChoice();
  return (
    <fieldset className="theme-switch">
      <legend className="sr-only">Theme</legend>
      {choices.map(({ value, label }) => (
        <label key={value}>
          <input
            type="radio"
            name="theme"
            value={value}
            checked={current === value}
            onChange={() => chooseTheme(value)}
          />
          <span>{label}</span>
        </label>
      ))}
    </fieldset>
  );
}
