/**
 * `{{ expression }}` in a param's string (docs/graph.md, "Expressions"): a string that is one
 * `{{ ... }}` and nothing else yields the expression's raw value; a string that mixes text and
 * `{{ ... }}` interpolates; a string without them is plain text. Pure string work, shared by the
 * compiler, the validator and the canvas.
 */
export type TemplatePart = { text: string } | { expression: string };

const EXPRESSION = /\{\{([\s\S]*?)\}\}/g;

/** The parts of a param string: text and expressions in order; a string without `{{ }}` is one text part. */
export function templateParts(value: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of value.matchAll(EXPRESSION)) {
    if (match.index > last) parts.push({ text: value.slice(last, match.index) });
    parts.push({ expression: (match[1] ?? '').trim() });
    last = match.index + match[0].length;
  }
  if (last < value.length || parts.length === 0) parts.push({ text: value.slice(last) });
  return parts;
}

export function hasExpression(value: string): boolean {
  return templateParts(value).some((part) => 'expression' in part);
}

/** The canonical spelling of a param string: each `{{ expression }}` with one space inside its braces. */
export function canonicalTemplate(value: string): string {
  if (!hasExpression(value)) return value;
  return templateParts(value)
    .map((part) => ('text' in part ? part.text : `{{ ${part.expression} }}`))
    .join('');
}
