/**
 * The runner's machinery, started by runner.ts (the program the pool forks, bundled into one file by
 * bundle.ts). A runner runs one job at a time: a fresh vm context per job, the flow API evaluated
 * INSIDE that context (so its objects, promises and errors belong to the user's realm and
 * `e instanceof Error` holds), the user's module (CommonJS, prepared by the pool) compiled there too,
 * and every flow API call forwarded to the worker as a message. It holds no secrets and can read no
 * file but itself.
 */
import vm from 'node:vm';
import { formatWithOptions } from 'node:util';
import type { PoolToRunner, RunnerToPool, WireError } from './protocol';

export type RpcCall = (method: string, args: unknown[]) => Promise<unknown>;
/**
 * engine/api/runner-api.ts's createFlowApi: builds `this` and `system` for one job from its context,
 * and (optionally) the sink of the user's console output, numbered with the flow API's own log lines.
 */
type FlowApiFactory = (
  context: unknown,
  call: RpcCall,
) => { execution: object; system: object; consoleLine?: (level: ConsoleLevel, text: string) => void };
type ConsoleLevel = 'debug' | 'info' | 'warn' | 'error';

export type RunnerOptions = {
  /** The flow API bundled as a script that evaluates to its module's exports (see bundle.ts). */
  flowApiSource: string;
  /** Tests only: leave process.kill, getBuiltinModule... in place to prove the permission model alone. */
  keepProcessPowers?: boolean;
};

type Pending = { resolve(value: unknown): void; reject(error: unknown): void; site: { stack?: string } };

type ActiveJob = {
  id: number;
  sourceName: string;
  /** The Error constructor of the job's own realm, so errors handed to user code pass `instanceof Error`. */
  RealmError: ErrorConstructor;
  /** The realm's Promise: calls hand user code promises of its own realm, never a way out of it. */
  RealmPromise: PromiseConstructor;
  /** Copies plain data (answers from the worker, the job's context) into the job's realm. */
  intoRealm: (value: unknown) => unknown;
  pending: Map<number, Pending>;
  timers: Set<NodeJS.Timeout | NodeJS.Immediate>;
  nextCallId: number;
  ended: boolean;
  /** Where console lines go once the flow API is built (before that, and without one: plain console messages). */
  consoleLine?: (level: ConsoleLevel, text: string) => void;
};

/** A runaway `for (;;) console.log(x)` must not flood the worker (and its log table) until the timeout. */
const consoleLineLimit = 10_000;
const consoleLineChars = 64 * 1024;

let send: (message: RunnerToPool) => void = () => {};
let flowApiScript: vm.Script;
let realmCopierScript: vm.Script;
let active: ActiveJob | undefined;
/** The next job's context, made while the runner is idle: creating one is most of a job's overhead. */
let spareContext: { globals: Record<string, unknown>; context: vm.Context } | undefined;

function freshContext() {
  const globals: Record<string, unknown> = {};
  return { globals, context: vm.createContext(globals) };
}

function prepareSpareContext(): void {
  setImmediate(() => {
    if (!active) spareContext ??= freshContext();
  }).unref();
}

export function startRunner(options: RunnerOptions): void {
  const ipc = process.send?.bind(process);
  if (!ipc) throw new Error('the sandbox runner must be started by the sandbox pool (no IPC channel)');
  send = (message) => {
    ipc(message);
  };
  // Compiled once; run in each job's fresh context (cheap: the compiled code is shared).
  flowApiScript = new vm.Script(options.flowApiSource, { filename: 'flowline:flow-api' });
  realmCopierScript = new vm.Script(`(${realmCopier.toString()})()`, { filename: 'flowline:realm' });
  if (!options.keepProcessPowers) removeProcessPowers();

  process.on('message', (message: PoolToRunner) => {
    switch (message.t) {
      case 'run':
        void runJob(message);
        break;
      case 'reply':
        settleCall(message);
        break;
      case 'drop':
        if (active?.id === message.job) endJob(active);
        // It had just ended here by itself (its outcome is on the way): confirm all the same.
        else setImmediate(() => send({ t: 'ended', job: message.job }));
        break;
    }
  });

  // A rejection nobody handles, or a throw from a timer callback, fails the job rather than the runner.
  process.on('unhandledRejection', (reason) => failActiveJob(reason));
  process.on('uncaughtException', (error) => failActiveJob(error));
  // The worker is gone (its channel closed): nobody is left to answer or to take an outcome.
  process.on('disconnect', () => process.exit(0));

  send({ t: 'ready' });
  prepareSpareContext();
}

async function runJob(message: Extract<PoolToRunner, { t: 'run' }>): Promise<void> {
  if (active) endJob(active); // never happens with a well-behaved pool: one job per runner at a time
  const { globals, context } = spareContext ?? freshContext();
  spareContext = undefined;
  const job: ActiveJob = {
    id: message.job,
    sourceName: message.sourceName,
    RealmError: vm.runInContext('Error', context) as ErrorConstructor,
    RealmPromise: vm.runInContext('Promise', context) as PromiseConstructor,
    intoRealm: realmCopierScript.runInContext(context) as (value: unknown) => unknown,
    pending: new Map(),
    timers: new Set(),
    nextCallId: 1,
    ended: false,
  };
  active = job;
  Object.assign(globals, jobGlobals(job));
  // Stacks that user code sees (and logs) show only its own frames: no paths of the runner or of Node.
  (job.RealmError as unknown as { prepareStackTrace: unknown }).prepareStackTrace = (
    error: unknown,
    frames: NodeJS.CallSite[],
  ) => formatUserStack(error, frames, job.sourceName);
  try {
    // The flow API first: it replaces the realm's clock and randomness before any user code runs.
    const call = (method: string, args: unknown[]) => callHost(job, method, args);
    const { createFlowApi } = flowApiScript.runInContext(context) as { createFlowApi: FlowApiFactory };
    const { execution, system, consoleLine } = createFlowApi(job.intoRealm(message.context), call);
    job.consoleLine = consoleLine;
    const handler = loadHandler(message.code, message.sourceName, context, job);
    const value: unknown = await handler.call(execution, system);
    finishJob(job, { t: 'done', job: job.id, ok: true, value });
  } catch (error) {
    finishJob(job, { t: 'done', job: job.id, ok: false, error: toWireError(error) });
  }
}

function loadHandler(code: string, sourceName: string, context: vm.Context, job: ActiveJob) {
  // Made in the user's realm: the module object is the user's own, not a door into the runner's realm.
  const userModule = vm.runInContext('({ exports: {} })', context) as { exports: Record<string, unknown> };
  const load = vm.compileFunction(code, ['exports', 'require', 'module'], {
    filename: sourceName,
    parsingContext: context,
  });
  const requireUnavailable = (id: unknown) => {
    throw new job.RealmError(
      `cannot import '${String(id)}': flows run without modules; reach the world through the flow API (this.connect, this.flow, ...)`,
    );
  };
  load.call(userModule.exports, userModule.exports, requireUnavailable, userModule);
  const handler = userModule.exports.default;
  if (typeof handler !== 'function') {
    throw new job.RealmError(
      `the module's default export must be the handler function, but it is ${handler === undefined ? 'missing' : typeof handler}`,
    );
  }
  return handler as (this: unknown, system: unknown) => unknown;
}

function callHost(job: ActiveJob, method: string, args: unknown[]): Promise<unknown> {
  if (job.ended) return new job.RealmPromise(() => {}); // a leftover of an ended job: it stalls and is collected
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, callHost);
  const id = job.nextCallId++;
  return new job.RealmPromise((resolve, reject) => {
    try {
      send({ t: 'call', job: job.id, id, method, args });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      reject(new job.RealmError(`the arguments of ${method}() cannot be passed to the worker: ${reason}`));
      return;
    }
    job.pending.set(id, { resolve, reject, site });
  });
}

function settleCall(message: Extract<PoolToRunner, { t: 'reply' }>): void {
  const job = active;
  if (!job || job.id !== message.job || job.ended) return;
  const pending = job.pending.get(message.id);
  if (!pending) return;
  job.pending.delete(message.id);
  if (message.ok) {
    pending.resolve(job.intoRealm(message.value));
    return;
  }
  const { name, message: text, props } = message.error;
  const error = new job.RealmError(text);
  Object.defineProperty(error, 'name', {
    value: name,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  if (props) Object.assign(error, props);
  error.stack = `${name}: ${text}${userFrames(pending.site.stack, job.sourceName)}`;
  pending.reject(error);
}

/** The frames of the user's own code in a captured stack, as lines starting with "\n    at". */
function userFrames(stack: string | undefined, sourceName: string): string {
  if (!stack) return '';
  const frames = stack.split('\n').filter((line) => /^\s+at /.test(line) && line.includes(`${sourceName}:`));
  return frames.map((line) => `\n${line}`).join('');
}

function finishJob(job: ActiveJob, message: Extract<RunnerToPool, { t: 'done' }>): void {
  if (job.ended) return;
  // Sent once the event loop is back here: proof that none of the job's code still runs (a chain of
  // microtasks it left behind has run out), so the pool may hand this runner on at once. Code that
  // keeps running after its handler returned holds its own job open, to that job's time limit.
  endJob(job, () => {
    try {
      send(message);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      send({
        t: 'done',
        job: job.id,
        ok: false,
        error: {
          name: 'TypeError',
          message: `the handler's return value cannot be passed to the worker: ${reason}`,
        },
      });
    }
  });
}

/**
 * Ends a job here: its timers cleared, its pending calls forgotten. Clearing cannot stop code of the
 * job that is still running (a loop after an unawaited call, microtasks it left behind), so the pool is
 * told (`notify`, by default the 'ended' answer to a drop) only once the event loop is back here.
 */
function endJob(job: ActiveJob, notify: () => void = () => send({ t: 'ended', job: job.id })): void {
  job.ended = true;
  for (const timer of job.timers) {
    clearTimeout(timer as NodeJS.Timeout);
    clearImmediate(timer as NodeJS.Immediate);
  }
  job.timers.clear();
  job.pending.clear();
  if (active === job) active = undefined;
  setImmediate(notify);
  prepareSpareContext();
}

function failActiveJob(reason: unknown): void {
  if (active && !active.ended) {
    finishJob(active, { t: 'done', job: active.id, ok: false, error: toWireError(reason) });
  }
}

function formatUserStack(error: unknown, frames: NodeJS.CallSite[], sourceName: string): string {
  let header: string;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = 'Error';
  }
  const own = frames.filter((frame) => frame.getFileName() === sourceName);
  return [header, ...own.map((frame) => `    at ${frame.toString()}`)].join('\n');
}

function toWireError(value: unknown): WireError {
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const error = value as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
    if (error.code === 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING') {
      // Node's own words ("A dynamic import callback was not specified") tell a user nothing.
      return {
        name: 'Error',
        message:
          'dynamic import() is not available: flows run without modules; reach the world through the flow API (this.connect, this.flow, ...)',
      };
    }
    return {
      name: typeof error.name === 'string' ? error.name : 'Error',
      message: String(error.message),
      stack: typeof error.stack === 'string' ? error.stack : undefined,
    };
  }
  return { name: 'Error', message: `a non-error value was thrown: ${safeString(value)}` };
}

function safeString(value: unknown): string {
  try {
    return formatWithOptions({ depth: 2, breakLength: Infinity }, '%o', value);
  } catch {
    return typeof value;
  }
}

/** The globals user code finds besides the language's own: web-standard helpers, console, job-bound timers. */
function jobGlobals(job: ActiveJob): Record<string, unknown> {
  const track = <T extends NodeJS.Timeout | NodeJS.Immediate>(timer: T): T => {
    // Set by code still running after the job ended (e.g. a continuation): it must not fire later.
    if (job.ended) {
      clearTimeout(timer as NodeJS.Timeout);
      clearImmediate(timer as NodeJS.Immediate);
    } else job.timers.add(timer);
    return timer;
  };
  const requireFunction = (callback: unknown): ((...args: unknown[]) => void) => {
    if (typeof callback !== 'function') throw new job.RealmError('the callback must be a function');
    return callback as (...args: unknown[]) => void;
  };
  let lines = 0;
  const emit = (level: ConsoleLevel, text: string) => {
    if (job.consoleLine) job.consoleLine(level, text);
    else send({ t: 'console', job: job.id, level, text });
  };
  const log =
    (level: ConsoleLevel) =>
    (...args: unknown[]) => {
      if (job.ended || lines > consoleLineLimit) return;
      lines++;
      if (lines > consoleLineLimit) {
        emit('warn', `console output beyond ${consoleLineLimit} lines is dropped for this execution`);
        return;
      }
      let text = formatWithOptions({ colors: false }, ...args);
      if (text.length > consoleLineChars) text = `${text.slice(0, consoleLineChars)}… (cut)`;
      emit(level, text);
    };
  return {
    console: {
      log: log('info'),
      info: log('info'),
      debug: log('debug'),
      warn: log('warn'),
      error: log('error'),
    },
    setTimeout: (callback: unknown, ms?: number, ...args: unknown[]) => {
      const run = requireFunction(callback);
      const timer: NodeJS.Timeout = track(
        setTimeout(() => {
          job.timers.delete(timer);
          run(...args);
        }, ms),
      );
      return timer;
    },
    setInterval: (callback: unknown, ms?: number, ...args: unknown[]) =>
      track(setInterval(requireFunction(callback), ms, ...args)),
    setImmediate: (callback: unknown, ...args: unknown[]) => {
      const run = requireFunction(callback);
      const immediate: NodeJS.Immediate = track(
        setImmediate(() => {
          job.timers.delete(immediate);
          run(...args);
        }),
      );
      return immediate;
    },
    clearTimeout: (timer: NodeJS.Timeout) => clearTimeout(timer),
    clearInterval: (timer: NodeJS.Timeout) => clearInterval(timer),
    clearImmediate: (immediate: NodeJS.Immediate) => clearImmediate(immediate),
    queueMicrotask,
    structuredClone,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    atob,
    btoa,
    AbortController,
    AbortSignal,
    crypto: globalThis.crypto,
  };
}

/**
 * Defence in depth for code that escapes its vm context into this realm (vm is no security boundary):
 * take away the process's ways to signal other processes, to load modules and the global network
 * clients. The permission model already denies files, child processes, workers, addons and WASI.
 */
function removeProcessPowers(): void {
  const unavailable = (what: string) => () => {
    throw new Error(`${what} is not available in the sandbox`);
  };
  const powers = process as unknown as Record<string, unknown>;
  powers.kill = unavailable('process.kill');
  powers._kill = unavailable('process.kill');
  powers.getBuiltinModule = unavailable('process.getBuiltinModule');
  delete powers.mainModule;
  // The network is not covered by Node 24's permission model: no ready-made clients for escaped code.
  const runnerGlobals = globalThis as unknown as Record<string, unknown>;
  for (const name of ['fetch', 'WebSocket', 'EventSource']) delete runnerGlobals[name];
}

/**
 * Evaluated inside each job's context (from its source text, so it must not use anything from this
 * module): returns a function that deep-copies structured-clone data into that realm, so values from
 * the worker pass `instanceof Object`, `instanceof Array`, `instanceof Date`... in user code.
 * Binary data (ArrayBuffer, typed arrays) is passed through as it is.
 */
function realmCopier(): (value: unknown) => unknown {
  const tagOf = (value: object) => Object.prototype.toString.call(value);
  const copy = (value: unknown, seen: Map<object, unknown>): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const known = seen.get(value);
    if (known !== undefined) return known;
    if (Array.isArray(value)) {
      const array: unknown[] = [];
      seen.set(value, array);
      for (let index = 0; index < value.length; index++) array[index] = copy(value[index], seen);
      return array;
    }
    const tag = tagOf(value);
    if (tag === '[object Date]') return new Date((value as Date).getTime());
    if (tag === '[object RegExp]') return new RegExp((value as RegExp).source, (value as RegExp).flags);
    if (tag === '[object Map]') {
      const map = new Map<unknown, unknown>();
      seen.set(value, map);
      for (const [key, entry] of value as Map<unknown, unknown>) map.set(copy(key, seen), copy(entry, seen));
      return map;
    }
    if (tag === '[object Set]') {
      const set = new Set<unknown>();
      seen.set(value, set);
      for (const entry of value as Set<unknown>) set.add(copy(entry, seen));
      return set;
    }
    if (tag === '[object Error]') {
      const source = value as Error;
      const error = new Error(source.message);
      Object.defineProperty(error, 'name', { value: source.name, writable: true, configurable: true });
      return error;
    }
    if (ArrayBuffer.isView(value) || tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') {
      return value;
    }
    const object: Record<string, unknown> = {};
    seen.set(value, object);
    for (const key of Object.keys(value)) object[key] = copy((value as Record<string, unknown>)[key], seen);
    return object;
  };
  return (value) => copy(value, new Map());
}
