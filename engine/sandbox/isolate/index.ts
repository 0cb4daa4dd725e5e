/**
 * What runs INSIDE the user's V8 isolate for one job (a fresh context per job): the globals user code
 * finds besides the language's own, the bridge of its flow API calls, and the start of its handler.
 * Bundled by bundle.ts into a self-contained script ('neutral' platform: nothing of Node can be
 * imported here, and nothing of Node exists in the isolate).
 *
 * The isolate reaches the runner through exactly two functions the runner puts into the context, both
 * called with copied values only (structured clone): `send(kind, payload)` and `parseUrl(input, base)`.
 * The runner reaches it through the function `setUpJob` returns, again with copied values only. No
 * object of the runner, and so no `process`, no module loader, no socket, is ever reachable from here.
 */
import { formatLogArgs } from './inspect';
import { installWebGlobals, type ParseUrl } from './web-globals';

type Send = (kind: string, payload: unknown) => void;
type ConsoleLevel = 'debug' | 'info' | 'warn' | 'error';
type RpcCall = (method: string, args: unknown[]) => Promise<unknown>;
type FlowApiFactory = (
  context: unknown,
  call: RpcCall,
) => { execution: object; system: object; consoleLine?: (level: ConsoleLevel, text: string) => void };

/** A message from the runner. */
type Incoming =
  | { t: 'start'; context: unknown }
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | {
      t: 'reply';
      id: number;
      ok: false;
      error: { name: string; message: string; props?: Record<string, unknown> };
    }
  | { t: 'timer'; id: number };

type ModuleFunction = (
  exports: unknown,
  require: unknown,
  module: { exports: Record<string, unknown> },
) => void;

/** A runaway `for (;;) console.log(x)` must not flood the worker (and its log table) until the timeout. */
const CONSOLE_LINE_LIMIT = 10_000;
const CONSOLE_LINE_CHARS = 64 * 1024;

export function setUpJob(
  send: Send,
  parseUrl: ParseUrl,
  sourceName: string,
  createFlowApi: FlowApiFactory,
): (message: Incoming, moduleFunction?: ModuleFunction) => void {
  const realm = globalThis as unknown as Record<string, unknown>;
  let ended = false;
  const pending = new Map<
    number,
    { resolve(value: unknown): void; reject(error: unknown): void; site: string }
  >();
  let nextCallId = 1;
  let consoleLine: ((level: ConsoleLevel, text: string) => void) | undefined;

  // Stacks that user code sees (and logs) show only its own frames: nothing of the flow API or the runner.
  Error.prepareStackTrace = (error: unknown, frames: Array<{ getFileName(): string | null }>) => {
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = 'Error';
    }
    const own = frames.filter((frame) => frame.getFileName() === sourceName);
    return [header, ...own.map((frame) => `    at ${String(frame)}`)].join('\n');
  };

  const finish = (outcome: { ok: true; value: unknown } | { ok: false; error: unknown }) => {
    if (ended) return;
    ended = true;
    pending.clear();
    timers.clear();
    if (!outcome.ok) {
      send('done', { ok: false, error: toWireError(outcome.error) });
      return;
    }
    try {
      send('done', { ok: true, value: outcome.value });
    } catch (error) {
      send('done', {
        ok: false,
        error: {
          name: 'TypeError',
          message: `the handler's return value cannot be passed to the worker: ${messageOf(error)}`,
        },
      });
    }
  };

  // ---------------------------------------------------------------- timers (the runner's, by id)
  let nextTimerId = 1;
  const timers = new Map<
    number,
    { callback: (...args: unknown[]) => void; args: unknown[]; repeat: boolean }
  >();
  const handles = new WeakMap<object, number>();
  const requireFunction = (callback: unknown): ((...args: unknown[]) => void) => {
    if (typeof callback !== 'function') throw new TypeError('the callback must be a function');
    return callback as (...args: unknown[]) => void;
  };
  const startTimer = (
    callback: unknown,
    ms: unknown,
    args: unknown[],
    kind: 'timeout' | 'interval' | 'immediate',
  ) => {
    const run = requireFunction(callback);
    const id = nextTimerId++;
    // Node's timers are objects (`.unref()` is common in code written for Node): these behave alike.
    const handle = {
      ref: () => handle,
      unref: () => handle,
      hasRef: () => true,
      refresh: () => handle,
      [Symbol.toPrimitive]: () => id,
    };
    handles.set(handle, id);
    if (ended) return handle; // set by code still running after the job ended: it never fires
    timers.set(id, { callback: run, args, repeat: kind === 'interval' });
    send('timer', { id, kind, ms: Math.max(0, Number(ms) || 0) });
    return handle;
  };
  const clearTimer = (handle: unknown) => {
    const id = typeof handle === 'object' && handle !== null ? handles.get(handle) : Number(handle);
    if (id === undefined || !timers.delete(id)) return;
    send('clearTimer', { id });
  };

  // ---------------------------------------------------------------- console
  let lines = 0;
  const log =
    (level: ConsoleLevel) =>
    (...args: unknown[]) => {
      if (ended || lines > CONSOLE_LINE_LIMIT) return;
      lines++;
      if (lines > CONSOLE_LINE_LIMIT) {
        emit('warn', `console output beyond ${CONSOLE_LINE_LIMIT} lines is dropped for this execution`);
        return;
      }
      let text = formatLogArgs(args);
      if (text.length > CONSOLE_LINE_CHARS) text = `${text.slice(0, CONSOLE_LINE_CHARS)}… (cut)`;
      emit(level, text);
    };
  const emit = (level: ConsoleLevel, text: string) => {
    if (consoleLine) consoleLine(level, text);
    else send('console', { level, text });
  };

  // WebAssembly memory lies outside the isolate's memory limit (found by attacking the sandbox): flows
  // have no use for it that is worth that hole.
  delete realm.WebAssembly;
  installWebGlobals(realm, parseUrl);
  Object.assign(realm, {
    console: {
      log: log('info'),
      info: log('info'),
      debug: log('debug'),
      warn: log('warn'),
      error: log('error'),
    },
    setTimeout: (callback: unknown, ms?: unknown, ...args: unknown[]) =>
      startTimer(callback, ms, args, 'timeout'),
    setInterval: (callback: unknown, ms?: unknown, ...args: unknown[]) =>
      startTimer(callback, ms, args, 'interval'),
    setImmediate: (callback: unknown, ...args: unknown[]) => startTimer(callback, 0, args, 'immediate'),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    clearImmediate: clearTimer,
  });

  // ---------------------------------------------------------------- flow API calls
  const call: RpcCall = function call(method, args) {
    if (ended) return new Promise(() => {}); // a leftover of an ended job: it stalls and is collected
    const site: { stack?: string } = {};
    Error.captureStackTrace(site, call);
    const id = nextCallId++;
    return new Promise((resolve, reject) => {
      try {
        send('call', { id, method, args });
      } catch (error) {
        reject(new Error(`the arguments of ${method}() cannot be passed to the worker: ${messageOf(error)}`));
        return;
      }
      pending.set(id, { resolve, reject, site: site.stack ?? '' });
    });
  };

  const settleCall = (message: Extract<Incoming, { t: 'reply' }>) => {
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    if (message.ok) {
      waiting.resolve(message.value);
      return;
    }
    const { name, message: text, props } = message.error;
    const error = new Error(text);
    Object.defineProperty(error, 'name', {
      value: name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
    if (props) Object.assign(error, props);
    // The user's line that made the call (the call's own frames are the site's, already only the user's).
    const frames = waiting.site.split('\n').slice(1).join('\n');
    error.stack = `${name}: ${text}${frames ? `\n${frames}` : ''}`;
    waiting.reject(error);
  };

  const start = (context: unknown, moduleFunction: ModuleFunction) => {
    // The flow API first: it replaces the realm's clock and randomness before any user code runs.
    const api = createFlowApi(context, call);
    consoleLine = api.consoleLine;
    const userModule = { exports: {} as Record<string, unknown> };
    const requireUnavailable = (id: unknown) => {
      throw new Error(
        `cannot import '${String(id)}': flows run without modules; reach the world through the flow API (this.connect, this.flow, ...)`,
      );
    };
    moduleFunction.call(userModule.exports, userModule.exports, requireUnavailable, userModule);
    const handler = userModule.exports.default;
    if (typeof handler !== 'function') {
      throw new Error(
        `the module's default export must be the handler function, but it is ${handler === undefined ? 'missing' : typeof handler}`,
      );
    }
    Promise.resolve()
      .then(() => (handler as (this: unknown, system: unknown) => unknown).call(api.execution, api.system))
      .then(
        (value) => finish({ ok: true, value }),
        (error: unknown) => finish({ ok: false, error }),
      );
  };

  return function receive(message, moduleFunction) {
    if (ended) return;
    switch (message.t) {
      case 'start':
        try {
          start(message.context, moduleFunction as ModuleFunction);
        } catch (error) {
          finish({ ok: false, error });
        }
        return;
      case 'reply':
        settleCall(message);
        return;
      case 'timer': {
        const timer = timers.get(message.id);
        if (!timer) return;
        if (!timer.repeat) timers.delete(message.id);
        try {
          timer.callback(...timer.args);
        } catch (error) {
          // A throw from a timer callback fails the job, as an uncaught exception would end a program.
          finish({ ok: false, error });
        }
        return;
      }
    }
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toWireError(value: unknown): { name: string; message: string; stack?: string } {
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const error = value as { name?: unknown; message?: unknown; stack?: unknown };
    return {
      name: typeof error.name === 'string' ? error.name : 'Error',
      message: String(error.message),
      ...(typeof error.stack === 'string' ? { stack: error.stack } : {}),
    };
  }
  let shown: string;
  try {
    shown = formatLogArgs([value]);
  } catch {
    shown = typeof value;
  }
  return { name: 'Error', message: `a non-error value was thrown: ${shown}` };
}
