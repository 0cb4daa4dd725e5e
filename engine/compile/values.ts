/**
 * JSON values as TypeScript source, the way the compiler writes params: strings in single quotes,
 * keys bare where they are identifiers, short objects on one line and longer ones one key a line.
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const ONE_LINE_CHARS = 80;

/** Code, with where the strings at each param path went in it (relative to its start). */
export type Fragment = { text: string; spans: { path: string; start: number; end: number }[] };

export type LiteralOptions = {
  /** The indentation of the line the value starts on. */
  indent?: string;
  /** How a string (at a param path) is written; by default as a string literal. */
  string?: (text: string, path: string) => string;
  /** The param path of the value, for `string`. */
  path?: string;
};

export function emitLiteral(value: unknown, options: LiteralOptions = {}): string {
  return emitFragment(value, options).text;
}

/** The value's code, with the span of every string written by `options.string` (none by default). */
export function emitFragment(value: unknown, options: LiteralOptions = {}): Fragment {
  return write(value, options.indent ?? '', options.path ?? '', options.string);
}

function write(
  value: unknown,
  indent: string,
  path: string,
  string: ((text: string, path: string) => string) | undefined,
): Fragment {
  if (typeof value === 'string') {
    if (!string) return { text: quote(value), spans: [] };
    const text = string(value, path);
    return { text, spans: [{ path, start: 0, end: text.length }] };
  }
  if (typeof value === 'number') return plain(Number.isFinite(value) ? String(value) : 'null');
  if (typeof value === 'boolean' || value === null || value === undefined)
    return plain(String(value ?? null));
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((item, at) => write(item, inner, `${path}[${at}]`, string));
    return layout('[', items, ']', indent);
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  const items = entries.map(([key, item]) =>
    prefixed(
      `${IDENTIFIER.test(key) ? key : quote(key)}: `,
      write(item, inner, path ? `${path}.${key}` : key, string),
    ),
  );
  if (items.length === 0) return plain('{}');
  return layout('{ ', items, ' }', indent);
}

function plain(text: string): Fragment {
  return { text, spans: [] };
}

function prefixed(prefix: string, fragment: Fragment): Fragment {
  return { text: prefix + fragment.text, spans: shift(fragment.spans, prefix.length) };
}

function shift(spans: Fragment['spans'], by: number): Fragment['spans'] {
  return spans.map((span) => ({ ...span, start: span.start + by, end: span.end + by }));
}

/** Items on one line when short, else one a line; the spans follow their items. */
function layout(open: string, items: Fragment[], close: string, indent: string): Fragment {
  if (items.length === 0) return plain(`${open.trim()}${close.trim()}`);
  const oneLine = `${open}${items.map((item) => item.text).join(', ')}${close}`;
  const multiLine = oneLine.length > ONE_LINE_CHARS || oneLine.includes('\n');
  const [first, separator, before, last] = multiLine
    ? [`${open.trim()}\n${indent}  `, `,\n${indent}  `, '', `,\n${indent}${close.trim()}`]
    : [open, ', ', '', close];
  let text = first;
  const spans: Fragment['spans'] = [];
  items.forEach((item, at) => {
    if (at > 0) text += separator;
    text += before;
    spans.push(...shift(item.spans, text.length));
    text += item.text;
  });
  return { text: text + last, spans };
}

/** A single-quoted string literal; the escapes are JSON's (so every control character is escaped). */
export function quote(text: string): string {
  const json = JSON.stringify(text).slice(1, -1);
  return `'${json.replace(/\\\\|\\"|'/g, (escape) => (escape === '\\"' ? '"' : escape === "'" ? "\\'" : escape))}'`;
}

/** Text inside a template literal: backslashes, backticks and `${` escaped, CR kept (a raw one would read back as LF). */
export function emitTemplateText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${').replace(/\r/g, '\\r');
}
