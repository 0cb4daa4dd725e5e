import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

const GUARD = ':where(:not(.monaco-editor, .monaco-editor *))';
/** The only rules that may stand outside the guard: the document itself, which no widget is. */
// The document's own rules: its tokens (the dark theme's too, chosen by <html data-theme>), html and body.
const DOCUMENT_SELECTORS = new Set([':root', ":root[data-theme='dark']", 'html', 'body']);

type StyleRule = { selectors: string[]; guarded: boolean };

/**
 * The style rules of a style sheet (comments dropped, at-rules looked into), each with its selector list
 * and whether it is nested in the guard. Enough of CSS for this file: no strings holding braces.
 */
function styleRules(css: string): StyleRule[] {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '');
  const rules: StyleRule[] = [];
  const open: string[] = [];
  let start = 0;
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (char === '{') {
      const prelude = text.slice(start, at).trim().split(';').pop()!.trim();
      open.push(prelude);
      if (!prelude.startsWith('@') && prelude !== GUARD) {
        rules.push({
          selectors: prelude.split(',').map((selector) => selector.trim()),
          guarded: open.includes(GUARD),
        });
      }
      start = at + 1;
    } else if (char === '}') {
      open.pop();
      start = at + 1;
    }
  }
  return rules;
}

describe('app/globals.css', () => {
  const rules = styleRules(readFileSync(path.join(import.meta.dirname, 'globals.css'), 'utf8'));

  it('styles the editor nowhere: every rule but those of the document has the guard on its subject', () => {
    expect(rules.length).toBeGreaterThan(50);
    const unguarded = rules.flatMap((rule) =>
      rule.selectors.filter((selector) =>
        rule.guarded ? !selector.includes('&') : !DOCUMENT_SELECTORS.has(selector),
      ),
    );
    expect(unguarded).toEqual([]);
  });

  it("uses no class name of React Flow's own elements (its canvas holds the app's nodes, so no guard there)", () => {
    const classesOf = (selectors: readonly string[]) =>
      new Set(selectors.flatMap((selector) => selector.match(/\.[a-zA-Z][\w-]*/g) ?? []));
    const ours = classesOf(rules.flatMap((rule) => rule.selectors));
    const reactFlowCss = readFileSync(require.resolve('@xyflow/react/dist/style.css'), 'utf8');
    const theirs = classesOf(styleRules(reactFlowCss).flatMap((rule) => rule.selectors));
    expect(ours.size).toBeGreaterThan(40);
    expect(theirs).toContain('.selected');
    expect([...ours].filter((name) => theirs.has(name))).toEqual([]);
  });

  it('reads nested rules with their selectors and whether the guard holds them', () => {
    const sheet = `${GUARD} { .row& { gap: 0; } .main { padding: 0; } }\np { margin: 0; }`;
    const found = styleRules(sheet);
    expect(found).toEqual([
      { selectors: ['.row&'], guarded: true },
      { selectors: ['.main'], guarded: true },
      { selectors: ['p'], guarded: false },
    ]);
  });
});
