/**
 * Web-standard helpers for the user's isolate, which has only the language itself (no Node, no web
 * platform). Plain code evaluated inside the isolate (see isolate/index.ts): it must not import
 * anything that is not plain too. URL parsing is the runner's (WHATWG, Node's), by copied strings.
 */

/** Parses a URL in the runner: its parts, or an error message (what `new URL()` throws). */
export type ParseUrl = (input: string, base: string | undefined) => UrlParts | string;

export type UrlParts = {
  href: string;
  origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
};

// ------------------------------------------------------------------ base64

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function btoa(data: unknown): string {
  const text = String(data);
  let out = '';
  for (let index = 0; index < text.length; index += 3) {
    const codes = [text.charCodeAt(index), text.charCodeAt(index + 1), text.charCodeAt(index + 2)];
    for (const code of codes) {
      if (code > 255)
        throw new DOMExceptionLike(
          'btoa: the string holds characters outside Latin-1',
          'InvalidCharacterError',
        );
    }
    const [a, b, c] = codes as [number, number, number];
    const triple = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += BASE64[(triple >> 18) & 63]! + BASE64[(triple >> 12) & 63]!;
    out += index + 1 < text.length ? BASE64[(triple >> 6) & 63]! : '=';
    out += index + 2 < text.length ? BASE64[triple & 63]! : '=';
  }
  return out;
}

function atob(data: unknown): string {
  let text = String(data).replace(/[\t\n\f\r ]/g, '');
  if (text.length % 4 === 0) text = text.replace(/==?$/, '');
  if (text.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(text)) {
    throw new DOMExceptionLike('atob: the string is not valid base64', 'InvalidCharacterError');
  }
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const char of text) {
    buffer = (buffer << 6) | BASE64.indexOf(char);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buffer >> bits) & 255);
    }
  }
  return out;
}

class DOMExceptionLike extends Error {
  constructor(message: string, name: string) {
    super(message);
    this.name = name;
  }
}

// ------------------------------------------------------------------ UTF-8

class TextEncoder {
  readonly encoding = 'utf-8';
  encode(input: unknown = ''): Uint8Array {
    const text = String(input);
    const bytes: number[] = [];
    for (let index = 0; index < text.length; index++) {
      let code = text.charCodeAt(index);
      if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
        const next = text.charCodeAt(index + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          index++;
        }
      }
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // a lone surrogate
      if (code < 0x80) bytes.push(code);
      else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
      else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
      else
        bytes.push(
          0xf0 | (code >> 18),
          0x80 | ((code >> 12) & 63),
          0x80 | ((code >> 6) & 63),
          0x80 | (code & 63),
        );
    }
    return new Uint8Array(bytes);
  }
}

class TextDecoder {
  readonly encoding = 'utf-8';
  constructor(label: string = 'utf-8') {
    if (!/^utf-?8$/i.test(label))
      throw new RangeError(`TextDecoder: only utf-8 is available, not '${label}'`);
  }
  decode(input?: ArrayBuffer | ArrayBufferView): string {
    if (input === undefined) return '';
    const bytes = ArrayBuffer.isView(input)
      ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : new Uint8Array(input);
    let out = '';
    for (let index = 0; index < bytes.length;) {
      const first = bytes[index]!;
      if (first < 0x80) {
        out += String.fromCharCode(first);
        index++;
        continue;
      }
      // The length of the sequence and the bits of its lead byte; anything else is not a lead byte.
      const [need, lead] =
        first >= 0xc2 && first < 0xe0
          ? [1, first & 0x1f]
          : first >= 0xe0 && first < 0xf0
            ? [2, first & 0x0f]
            : first >= 0xf0 && first < 0xf5
              ? [3, first & 0x07]
              : [0, -1];
      let code = lead;
      let read = 0;
      while (lead >= 0 && read < need) {
        const next = bytes[index + 1 + read];
        if (next === undefined || (next & 0xc0) !== 0x80) break;
        code = (code << 6) | (next & 63);
        read++;
      }
      if (lead < 0 || read < need || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        out += '\ufffd';
        index++;
        continue;
      }
      out += String.fromCodePoint(code);
      index += need + 1;
    }
    return out;
  }
}

// ------------------------------------------------------------------ structuredClone

function structuredClone<T>(value: T): T {
  const seen = new Map<object, unknown>();
  const clone = (input: unknown): unknown => {
    if (typeof input === 'function' || typeof input === 'symbol') {
      throw new DOMExceptionLike(`${String(input)} could not be cloned`, 'DataCloneError');
    }
    if (typeof input !== 'object' || input === null) return input;
    const known = seen.get(input);
    if (known !== undefined) return known;
    const tag = Object.prototype.toString.call(input);
    if (tag === '[object Date]') return new Date((input as Date).getTime());
    if (tag === '[object RegExp]') return new RegExp((input as RegExp).source, (input as RegExp).flags);
    if (tag === '[object ArrayBuffer]') return (input as ArrayBuffer).slice(0);
    if (ArrayBuffer.isView(input)) {
      const view = input as unknown as { constructor: new (buffer: ArrayBufferLike) => unknown };
      return new view.constructor(input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength));
    }
    if (Array.isArray(input)) {
      const array: unknown[] = [];
      seen.set(input, array);
      input.forEach((entry, index) => (array[index] = clone(entry)));
      return array;
    }
    if (input instanceof Map) {
      const map = new Map();
      seen.set(input, map);
      for (const [key, entry] of input) map.set(clone(key), clone(entry));
      return map;
    }
    if (input instanceof Set) {
      const set = new Set();
      seen.set(input, set);
      for (const entry of input) set.add(clone(entry));
      return set;
    }
    if (input instanceof Error) {
      const error = new Error(input.message);
      error.name = input.name;
      return error;
    }
    const object: Record<string, unknown> = {};
    seen.set(input, object);
    for (const key of Object.keys(input)) object[key] = clone((input as Record<string, unknown>)[key]);
    return object;
  };
  return clone(value) as T;
}

// ------------------------------------------------------------------ URL, URLSearchParams

const formEncode = (text: string) =>
  encodeURIComponent(text)
    .replace(/%20/g, '+')
    .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

const formDecode = (text: string) => {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
};

class URLSearchParams {
  private entries: Array<[string, string]> = [];
  /** The URL whose query this is (url.searchParams): changes are written back to it. */
  private owner: { setSearchFromParams(search: string): void } | undefined;

  constructor(init?: unknown) {
    if (init === undefined || init === null) return;
    if (typeof init === 'string') this.parse(init);
    else if (init instanceof URLSearchParams) this.entries = init.entries.map(([k, v]) => [k, v]);
    else if (typeof init === 'object' && Symbol.iterator in (init as object)) {
      for (const pair of init as Iterable<unknown>) {
        const [key, value] = Array.from(pair as Iterable<unknown>);
        this.entries.push([String(key), String(value)]);
      }
    } else if (typeof init === 'object') {
      for (const key of Object.keys(init as object)) {
        this.entries.push([key, String((init as Record<string, unknown>)[key])]);
      }
    }
  }

  /** @internal */
  static ownedBy(search: string, owner: { setSearchFromParams(search: string): void }): URLSearchParams {
    const params = new URLSearchParams(search);
    params.owner = owner;
    return params;
  }

  private parse(text: string): void {
    this.entries = [];
    for (const part of text.replace(/^\?/, '').split('&')) {
      if (part === '') continue;
      const at = part.indexOf('=');
      this.entries.push(
        at < 0 ? [formDecode(part), ''] : [formDecode(part.slice(0, at)), formDecode(part.slice(at + 1))],
      );
    }
  }

  private changed(): void {
    this.owner?.setSearchFromParams(this.toString());
  }

  get size(): number {
    return this.entries.length;
  }
  append(name: string, value: string): void {
    this.entries.push([String(name), String(value)]);
    this.changed();
  }
  delete(name: string): void {
    this.entries = this.entries.filter(([key]) => key !== String(name));
    this.changed();
  }
  get(name: string): string | null {
    return this.entries.find(([key]) => key === String(name))?.[1] ?? null;
  }
  getAll(name: string): string[] {
    return this.entries.filter(([key]) => key === String(name)).map(([, value]) => value);
  }
  has(name: string): boolean {
    return this.entries.some(([key]) => key === String(name));
  }
  set(name: string, value: string): void {
    const key = String(name);
    const at = this.entries.findIndex(([k]) => k === key);
    if (at < 0) this.entries.push([key, String(value)]);
    else {
      this.entries[at] = [key, String(value)];
      this.entries = this.entries.filter(([k], index) => k !== key || index === at);
    }
    this.changed();
  }
  sort(): void {
    this.entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.changed();
  }
  forEach(callback: (value: string, key: string, params: URLSearchParams) => void): void {
    for (const [key, value] of this.entries) callback(value, key, this);
  }
  keys(): IterableIterator<string> {
    return this.entries.map(([key]) => key)[Symbol.iterator]();
  }
  values(): IterableIterator<string> {
    return this.entries.map(([, value]) => value)[Symbol.iterator]();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries.map(([k, v]) => [k, v] as [string, string])[Symbol.iterator]();
  }
  toString(): string {
    return this.entries.map(([key, value]) => `${formEncode(key)}=${formEncode(value)}`).join('&');
  }
}

function makeUrlClass(parseUrl: ParseUrl) {
  const parse = (input: string, base?: string): UrlParts => {
    const parts = parseUrl(input, base);
    if (typeof parts === 'string') throw new TypeError(parts);
    return parts;
  };
  return class URL {
    private parts: UrlParts;
    private params: URLSearchParams | undefined;

    constructor(input: unknown, base?: unknown) {
      this.parts = parse(String(input), base === undefined ? undefined : String(base));
    }

    static canParse(input: unknown, base?: unknown): boolean {
      return typeof parseUrl(String(input), base === undefined ? undefined : String(base)) !== 'string';
    }

    /** Changes one part by re-parsing the whole address with it, as the URL standard's setters do. */
    private with(change: (parts: UrlParts) => string): void {
      const next = parseUrl(change(this.parts), undefined);
      if (typeof next !== 'string') this.parts = next;
      this.params = undefined;
    }

    /** @internal: url.searchParams changed. */
    setSearchFromParams(search: string): void {
      const keep = this.params;
      this.with(
        (p) => `${p.protocol}//${auth(p)}${p.host}${p.pathname}${search ? `?${search}` : ''}${p.hash}`,
      );
      this.params = keep;
    }

    get href() {
      return this.parts.href;
    }
    set href(value: string) {
      this.parts = parse(String(value));
      this.params = undefined;
    }
    get origin() {
      return this.parts.origin;
    }
    get protocol() {
      return this.parts.protocol;
    }
    set protocol(value: string) {
      this.with((p) => `${String(value).replace(/:?$/, ':')}${p.href.slice(p.protocol.length)}`);
    }
    get username() {
      return this.parts.username;
    }
    set username(value: string) {
      this.with(
        (p) =>
          `${p.protocol}//${encodeURIComponent(value)}${p.password ? `:${p.password}` : ''}@${p.host}${rest(p)}`,
      );
    }
    get password() {
      return this.parts.password;
    }
    set password(value: string) {
      this.with((p) => `${p.protocol}//${p.username}:${encodeURIComponent(value)}@${p.host}${rest(p)}`);
    }
    get host() {
      return this.parts.host;
    }
    set host(value: string) {
      this.with((p) => `${p.protocol}//${auth(p)}${value}${rest(p)}`);
    }
    get hostname() {
      return this.parts.hostname;
    }
    set hostname(value: string) {
      this.with((p) => `${p.protocol}//${auth(p)}${value}${p.port ? `:${p.port}` : ''}${rest(p)}`);
    }
    get port() {
      return this.parts.port;
    }
    set port(value: string) {
      this.with((p) => `${p.protocol}//${auth(p)}${p.hostname}${value === '' ? '' : `:${value}`}${rest(p)}`);
    }
    get pathname() {
      return this.parts.pathname;
    }
    set pathname(value: string) {
      this.with(
        (p) =>
          `${p.protocol}//${auth(p)}${p.host}${String(value).startsWith('/') ? '' : '/'}${value}${p.search}${p.hash}`,
      );
    }
    get search() {
      return this.parts.search;
    }
    set search(value: string) {
      const search = String(value).replace(/^\?/, '');
      this.with(
        (p) => `${p.protocol}//${auth(p)}${p.host}${p.pathname}${search ? `?${search}` : ''}${p.hash}`,
      );
    }
    get hash() {
      return this.parts.hash;
    }
    set hash(value: string) {
      const hash = String(value).replace(/^#/, '');
      this.with((p) => `${p.protocol}//${auth(p)}${p.host}${p.pathname}${p.search}${hash ? `#${hash}` : ''}`);
    }
    get searchParams(): URLSearchParams {
      this.params ??= URLSearchParams.ownedBy(this.parts.search, this);
      return this.params;
    }
    toString() {
      return this.parts.href;
    }
    toJSON() {
      return this.parts.href;
    }
  };
}

const auth = (p: UrlParts) =>
  p.username || p.password ? `${p.username}${p.password ? `:${p.password}` : ''}@` : '';
const rest = (p: UrlParts) => `${p.pathname}${p.search}${p.hash}`;

// ------------------------------------------------------------------ AbortController

type Listener = (event: { type: string; target: AbortSignal }) => void;

class AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: Listener | null = null;
  private listeners: Listener[] = [];

  static abort(reason?: unknown): AbortSignal {
    const signal = new AbortSignal();
    signal.fire(reason);
    return signal;
  }

  addEventListener(type: string, listener: Listener): void {
    if (type === 'abort' && typeof listener === 'function') this.listeners.push(listener);
  }
  removeEventListener(type: string, listener: Listener): void {
    if (type === 'abort') this.listeners = this.listeners.filter((entry) => entry !== listener);
  }
  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }
  /** @internal */
  fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new DOMExceptionLike('This operation was aborted', 'AbortError');
    const event = { type: 'abort', target: this };
    for (const listener of [this.onabort, ...this.listeners]) listener?.call(this, event);
  }
}

class AbortController {
  readonly signal = new AbortSignal();
  abort(reason?: unknown): void {
    this.signal.fire(reason);
  }
}

/** The web helpers as globals of the isolate they are evaluated in. */
export function installWebGlobals(realm: Record<string, unknown>, parseUrl: ParseUrl): void {
  Object.assign(realm, {
    atob,
    btoa,
    TextEncoder,
    TextDecoder,
    structuredClone,
    URL: makeUrlClass(parseUrl),
    URLSearchParams,
    AbortController,
    AbortSignal,
    queueMicrotask: (callback: unknown) => {
      if (typeof callback !== 'function')
        throw new TypeError('queueMicrotask: the callback must be a function');
      void Promise.resolve().then(() => (callback as () => void)());
    },
  });
}
