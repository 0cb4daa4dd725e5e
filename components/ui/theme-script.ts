/**
 * Light or dark: the user's choice (remembered in this browser) or, by default, the system's. This
 * inline script, in every page's <head> (app/layout.tsx), resolves it to `<html data-theme="light|dark">`
 * before the first paint, so no page flashes in the wrong theme, and resolves it again when the system
 * or the choice changes (./theme.ts announces a choice); CSS and the JS-themed widgets (Monaco, React
 * Flow) read only that attribute. Plain module, not a client one: the root layout renders the string.
 */
export const THEME_STORAGE_KEY = 'flowline-theme';
export const THEME_CHANGE_EVENT = 'flowline-theme-change';

export const THEME_SCRIPT = `(function () {
  var media = window.matchMedia('(prefers-color-scheme: dark)');
  function apply() {
    var choice = null;
    try { choice = window.localStorage.getItem('${THEME_STORAGE_KEY}'); } catch (error) {}
    var theme = choice === 'dark' || (choice !== 'light' && media.matches) ? 'dark' : 'light';
    document.documentElement.dataset.theme = theme;
  }
  apply();
  media.addEventListener('change', apply);
  window.addEventListener('storage', apply);
  window.addEventListener('${THEME_CHANGE_EVENT}', apply);
})();`;
