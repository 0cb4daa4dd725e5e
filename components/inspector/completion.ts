/** What an upstream node's result holds, as expressions read it (docs/graph.md, "Expressions"). */
export const RESULT_FIELDS = ['output', 'status', 'message', 'error', 'childId'] as const;

export type Completion = { from: number; items: string[] };

/**
 * The names that complete the word at the caret of an expression: `input` and the upstream node ids
 * at the start of a name, a result's fields after `<node id>.`. In a param string, only inside an open
 * `{{`; a bare expression (a condition's) is an expression throughout.
 */
export function completionAt(
  text: string,
  caret: number,
  bare: boolean,
  upstream: readonly string[],
): Completion | null {
  const before = text.slice(0, caret);
  let start = 0;
  if (!bare) {
    const open = before.lastIndexOf('{{');
    if (open < 0 || before.indexOf('}}', open) >= 0) return null;
    start = open + 2;
  }
  const expression = before.slice(start);
  const match = /(?:([A-Za-z_$][\w$]*)\??\.)?([A-Za-z_$][\w$]*)?$/.exec(expression);
  if (!match) return null;
  const [whole, object, prefix = ''] = match;
  const root = expression.length - whole.length;
  if (root > 0 && /[\w$.]/.test(expression[root - 1] as string)) return null; // a deeper member
  let items: readonly string[];
  if (object !== undefined) {
    if (!upstream.includes(object)) return null;
    items = RESULT_FIELDS;
  } else {
    if (whole === '' && !/(^|[\s({[,!&|?:+\-*/%<>=])$/.test(expression)) return null;
    items = ['input', ...upstream];
  }
  const shown = items.filter((item) => item.startsWith(prefix) && item !== prefix);
  return shown.length > 0 ? { from: caret - prefix.length, items: shown } : null;
}
