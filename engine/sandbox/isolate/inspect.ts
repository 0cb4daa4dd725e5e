/**
 * console.log's formatting inside the user's isolate, close to Node's util.format / util.inspect for
 * the values flows log (the isolate has no Node to ask). Plain code: evaluated inside the isolate.
 */

const MAX_DEPTH = 2;
const MAX_ENTRIES = 100;

export function formatLogArgs(args: unknown[]): string {
  const [first, ...rest] = args;
  if (typeof first !== 'string') return args.map((arg) => inspectTop(arg)).join(' ');
  let remaining = rest;
  const text = first.replace(/%([sdifjoOc%])/g, (match, spec: string) => {
    if (spec === '%') return '%';
    if (remaining.length === 0) return match;
    const [value, ...others] = remaining;
    remaining = others;
    switch (spec) {
      case 's':
        return typeof value === 'string' ? value : inspectTop(value);
      case 'd':
      case 'i': {
        if (typeof value === 'bigint') return `${value}n`;
        const number = Number(value);
        return String(spec === 'i' ? Math.trunc(number) : number);
      }
      case 'f':
        return String(Number(value));
      case 'j':
        try {
          return JSON.stringify(value);
        } catch {
          return '[Circular]';
        }
      case 'c':
        return '';
      default:
        return inspect(value, 0, new Set());
    }
  });
  return [text, ...remaining.map((arg) => inspectTop(arg))].join(' ');
}

/** A top-level argument: strings as they are, everything else inspected. */
function inspectTop(value: unknown): string {
  return typeof value === 'string' ? value : inspect(value, 0, new Set());
}

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function keyText(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
}

function inspect(value: unknown, depth: number, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return depth === 0 ? value : quote(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'undefined':
      return 'undefined';
    case 'function':
      return `[${isClass(value) ? 'class' : 'Function'}: ${value.name || '(anonymous)'}]`;
    case 'object':
      break;
    default:
      return Object.is(value, -0) ? '-0' : String(value);
  }
  if (value === null) return 'null';
  if (seen.has(value)) return '[Circular *]';
  if (value instanceof Error) return value.stack || `${value.name}: ${value.message}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (value instanceof Promise) return 'Promise { <pending> }';
  if (ArrayBuffer.isView(value)) {
    const items = Array.from(value as unknown as ArrayLike<number>).slice(0, MAX_ENTRIES);
    return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length}) [ ${items.join(', ')} ]`;
  }
  if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;
  const nested = (entry: unknown) => inspect(entry, depth + 1, seen);
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      if (depth > MAX_DEPTH) return '[Array]';
      const items = value.slice(0, MAX_ENTRIES).map(nested);
      if (value.length > MAX_ENTRIES) items.push(`... ${value.length - MAX_ENTRIES} more items`);
      return items.length === 0 ? '[]' : `[ ${items.join(', ')} ]`;
    }
    if (value instanceof Map) {
      if (depth > MAX_DEPTH) return '[Map]';
      const items = [...value].slice(0, MAX_ENTRIES).map(([k, v]) => `${nested(k)} => ${nested(v)}`);
      return `Map(${value.size}) {${items.length ? ` ${items.join(', ')} ` : ''}}`;
    }
    if (value instanceof Set) {
      if (depth > MAX_DEPTH) return '[Set]';
      const items = [...value].slice(0, MAX_ENTRIES).map(nested);
      return `Set(${value.size}) {${items.length ? ` ${items.join(', ')} ` : ''}}`;
    }
    const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const name = prototype === null ? '[Object: null prototype]' : prototype.constructor?.name;
    const prefix = name && name !== 'Object' ? `${name} ` : '';
    if (depth > MAX_DEPTH) return `[${name && name !== 'Object' ? name : 'Object'}]`;
    const keys = Object.keys(value);
    const items = keys
      .slice(0, MAX_ENTRIES)
      .map((key) => `${keyText(key)}: ${nested((value as Record<string, unknown>)[key])}`);
    if (keys.length > MAX_ENTRIES) items.push(`... ${keys.length - MAX_ENTRIES} more items`);
    return items.length === 0 ? `${prefix}{}` : `${prefix}{ ${items.join(', ')} }`;
  } catch {
    return '[object]';
  } finally {
    seen.delete(value);
  }
}

function isClass(value: unknown): boolean {
  try {
    return /^class[\s{]/.test(Function.prototype.toString.call(value));
  } catch {
    return false;
  }
}
