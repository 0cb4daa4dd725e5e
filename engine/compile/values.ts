/**
 * JSON values as TypeScript source, the way the compiler writes params: strings in single quotes,
 * keys bare where they are identifiers, short objects on one line and longer ones one key a line.
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const ONE_LINE_CHARS = 80;

export type LiteralOptions = {
  /** The indentation of the line the value starts on. */
  indent?: string;
  /** How a string (at a param path) is written; by default as a string literal. */
  string?: (text: string, path: string) => string;
  /** The param path of the value, for `string`. */
  path?: string;
};

export function emitLiteral(value: unknown, options: LiteralOptions = {}): string {
  return write(value, options.indent ?? '', options.path ?? '', options.string ?? ((text) => quote(text)));
}

function write(
  value: unknown,
  indent: string,
  path: string,
  string: (text: string, path: string) => string,
): string {
  if (typeof value === 'string') return string(value, path);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean' || value === null || value === undefined) return String(value ?? null);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((item, at) => write(item, inner, `${path}[${at}]`, string));
    return layout('[', items, ']', indent);
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
  const items = entries.map(
    ([key, item]) =>
      `${IDENTIFIER.test(key) ? key : quote(key)}: ${write(item, inner, path ? `${path}.${key}` : key, string)}`,
  );
  if (items.length === 0) return '{}';
  return layout('{ ', items, ' }', indent);
}

function layout(open: string, items: string[], close: string, indent: string): string {
  if (items.length === 0) return `${open.trim()}${close.trim()}`;
  const oneLine = `${open}${items.join(', ')}${close}`;
  if (oneLine.length <= ONE_LINE_CHARS && !oneLine.includes('\n')) return oneLine;
  return `${open.trim()}\n${items.map((item) => `${indent}  ${item},`).join('\n')}\n${indent}${close.trim()}`;
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
