/**
 * The runner's machinery, started by runner.ts (the program the pool forks, bundled into one file by
 * bundle.ts). A runner runs one job at a time, each in a fresh context of a V8 isolate of its own
 * (isolated-vm): user code sees the language, the web helpers of isolate/web-globals.ts and its flow
 * API, and nothing of Node — no `process`, no module loader, no socket, no file. The runner's own code
 * (this file) is the only bridge: it copies values in and out and forwards flow API calls to the worker
 * as frames on its channel (fd 3, see channel.ts). It holds no secrets and can read no file but itself
 * and isolated-vm's own.
 */
import net from 'node:net';
import type ivmModule from 'isolated-vm';
import {
  DEFAULT_MAX_FRAME_BYTES,
  FrameReader,
  MAX_JOB_IN_FLIGHT_BYTES,
  MAX_JOB_MESSAGE_BYTES,
  encodeFrame,
} from './channel';
import type { PoolToRunner, RunnerToPool, WireError } from './protocol';
import type { UrlParts } from './isolate/web-globals';

type Ivm = typeof ivmModule;

export type RunnerOptions = {
  /** isolate/index.ts and the flow API, bundled as one script that evaluates to setUpJob (bundle.ts). */
  realmSource: string;
  /** isolated-vm's native binary (an addon cannot be bundled). */
  isolatedVmPath: string;
  /** The isolate's heap limit, in MB. */
  heapMb: number;
};

type ActiveJob = {
  id: number;
  context: ivmModule.Context;
  /** The job's entry in the isolate (the function setUpJob returned). */
  receive?: ivmModule.Reference<(...args: unknown[]) => void>;
  timers: Map<number, NodeJS.Timeout | NodeJS.Immediate>;
  /** The frame size of each unanswered call, and their sum (bounded: MAX_JOB_IN_FLIGHT_BYTES). */
  inFlight: Map<number, number>;
  inFlightBytes: number;
  ended: boolean;
};

/** Compiled user modules kept per isolate (a flow version runs many times). */
const MODULE_CACHE_LIMIT = 64;

let ivm: Ivm;
let options: RunnerOptions;
let isolate: ivmModule.Isolate;
let realmScript: ivmModule.Script;
const moduleScripts = new Map<string, ivmModule.Script>();
let channel: net.Socket;
let active: ActiveJob | undefined;
/** The next job's context, made while the runner is idle. */
let spareContext: ivmModule.Context | undefined;

export function startRunner(runnerOptions: RunnerOptions): void {
  options = runnerOptions;
  // The addon itself, loaded from where it is installed (the permission model allows reading that file).
  ivm = (require(options.isolatedVmPath) as { ivm: Ivm }).ivm; // eslint-disable-line @typescript-eslint/no-require-imports
  newIsolate();
  channel = new net.Socket({ fd: 3, readable: true, writable: true });
  const reader = new FrameReader(DEFAULT_MAX_FRAME_BYTES);
  channel.on('data', (chunk: Buffer) => {
    let frames: ReturnType<FrameReader['push']>;
    try {
      frames = reader.push(chunk);
    } catch {
      process.exit(70); // the worker sent something unreadable: nothing sensible is left to do
    }
    for (const frame of frames) onPoolMessage(frame.message as PoolToRunner);
  });
  // The worker is gone (its channel closed): nobody is left to answer or to take an outcome.
  channel.on('close', () => process.exit(0));
  channel.on('error', () => process.exit(0));
  // Our own code failing must fail the job, not leave it hanging.
  process.on('uncaughtException', (error) => failActiveJob(error));
  process.on('unhandledRejection', (reason) => failActiveJob(reason));
  removeProcessPowers();
  send({ t: 'ready' });
  prepareSpareContext();
}

function newIsolate(): void {
  isolate = new ivm.Isolate({ memoryLimit: options.heapMb });
  realmScript = isolate.compileScriptSync(options.realmSource, { filename: 'flowline:realm' });
  moduleScripts.clear();
  spareContext = undefined;
}

function send(message: RunnerToPool): void {
  channel.write(encodeFrame(message));
}

function onPoolMessage(message: PoolToRunner): void {
  switch (message.t) {
    case 'run':
      runJob(message);
      return;
    case 'reply': {
      const job = active;
      if (!job || job.id !== message.job || job.ended) return;
      job.inFlightBytes -= job.inFlight.get(message.id) ?? 0;
      job.inFlight.delete(message.id);
      enter(job, message.ok ? { t: 'reply', id: message.id, ok: true, value: message.value } : message);
      return;
    }
    case 'drop':
      if (active?.id === message.job) endJob(active);
      // Confirmed from the event loop: none of the job's code runs once we are back there.
      setImmediate(() => send({ t: 'ended', job: message.job }));
      return;
  }
}

function prepareSpareContext(): void {
  setImmediate(() => {
    if (!active && !isolate.isDisposed) spareContext ??= isolate.createContextSync();
  }).unref();
}

function runJob(message: Extract<PoolToRunner, { t: 'run' }>): void {
  if (active) endJob(active); // never happens with a well-behaved pool: one job per runner at a time
  const context = spareContext ?? isolate.createContextSync();
  spareContext = undefined;
  const job: ActiveJob = {
    id: message.job,
    context,
    timers: new Map(),
    inFlight: new Map(),
    inFlightBytes: 0,
    ended: false,
  };
  active = job;
  try {
    const setUpJob = realmScript.runSync(context, { reference: true }) as ivmModule.Reference<
      (...args: unknown[]) => unknown
    >;
    job.receive = setUpJob.applySync(
      undefined,
      [
        new ivm.Callback((kind: unknown, payload: unknown) => onIsolateMessage(job, kind, payload)),
        new ivm.Callback(parseUrl),
        message.sourceName,
      ],
      { result: { reference: true } },
    ) as ivmModule.Reference<(...args: unknown[]) => void>;
    const moduleFunction = compileModule(message.code, message.sourceName).runSync(context, {
      reference: true,
    }) as ivmModule.Reference<unknown>;
    enter(job, { t: 'start', context: message.context }, moduleFunction.derefInto());
  } catch (error) {
    onIsolateFailure(job, error);
  }
}

/**
 * The user's module as a function of (exports, require, module), compiled once per isolate. Its
 * wrapper sits on a line of its own, made line 0, so positions in the stack are the module's own.
 */
function compileModule(code: string, sourceName: string): ivmModule.Script {
  const key = `${sourceName}\0${code}`;
  let script = moduleScripts.get(key);
  if (script) {
    moduleScripts.delete(key);
  } else {
    script = isolate.compileScriptSync(`(function (exports, require, module) {\n${code}\n})`, {
      filename: sourceName,
      lineOffset: -1,
    });
    if (moduleScripts.size >= MODULE_CACHE_LIMIT) {
      const oldest = moduleScripts.keys().next().value;
      if (oldest !== undefined) moduleScripts.delete(oldest);
    }
  }
  moduleScripts.set(key, script);
  return script;
}

/** Hands a message to the job's code in the isolate; runs until that code (and its microtasks) stops. */
function enter(job: ActiveJob, message: unknown, extra?: unknown): void {
  if (job.ended || !job.receive) return;
  try {
    job.receive.applySync(undefined, extra === undefined ? [message] : [message, extra], {
      arguments: { copy: true },
    });
  } catch (error) {
    onIsolateFailure(job, error);
  }
}

/**
 * The isolate threw out of a call into it: a rejection nobody handled (isolated-vm reports those
 * this way, as Node would end a program for one), or the isolate ran out of memory and is gone.
 */
function onIsolateFailure(job: ActiveJob, error: unknown): void {
  if (isolate.isDisposed) {
    finishJob(job, { t: 'done', job: job.id, ok: false, reason: 'memory', error: memoryError() });
    newIsolate();
    return;
  }
  finishJob(job, { t: 'done', job: job.id, ok: false, error: toWireError(error) });
}

function memoryError(): WireError {
  return { name: 'OutOfMemoryError', message: `Execution ran out of memory (limit ${options.heapMb} MB)` };
}

/** What the job's code sends through `send(kind, payload)`: untrusted, so every field is checked. */
function onIsolateMessage(job: ActiveJob, kind: unknown, payload: unknown): void {
  if (job.ended || typeof payload !== 'object' || payload === null) return;
  const fields = payload as Record<string, unknown>;
  switch (kind) {
    case 'call':
      if (typeof fields.id === 'number' && typeof fields.method === 'string' && Array.isArray(fields.args)) {
        sendCall(job, { t: 'call', job: job.id, id: fields.id, method: fields.method, args: fields.args });
      }
      return;
    case 'console':
      if (typeof fields.text === 'string' && isLevel(fields.level)) {
        channel.write(encodeFrame({ t: 'console', job: job.id, level: fields.level, text: fields.text }));
      }
      return;
    case 'timer':
      if (typeof fields.id === 'number' && typeof fields.ms === 'number') {
        startTimer(job, fields.id, fields.kind, fields.ms);
      }
      return;
    case 'clearTimer': {
      const timer = typeof fields.id === 'number' ? job.timers.get(fields.id) : undefined;
      if (timer) clearTimer(timer);
      if (typeof fields.id === 'number') job.timers.delete(fields.id);
      return;
    }
    case 'done': {
      if (fields.ok === true) {
        finishJob(job, { t: 'done', job: job.id, ok: true, value: fields.value });
        return;
      }
      const error = toWireError(fields.error);
      // Binary data counts against the isolate's memory limit too: an allocation past it fails so.
      const outOfMemory = error.name === 'RangeError' && error.message === 'Array buffer allocation failed';
      finishJob(
        job,
        outOfMemory
          ? { t: 'done', job: job.id, ok: false, reason: 'memory', error: memoryError() }
          : { t: 'done', job: job.id, ok: false, error },
      );
      return;
    }
  }
}

/**
 * A flow API call of the job's, framed for the worker. One it may not send (too large, too much
 * unanswered, not clonable) throws here, inside the job's own call: user code gets a rejected call
 * that says why, and neither the runner nor the worker carries it.
 */
function sendCall(job: ActiveJob, message: Extract<RunnerToPool, { t: 'call' }>): void {
  const frame = encodeFrame(message);
  if (frame.length > MAX_JOB_MESSAGE_BYTES) {
    throw new RangeError(
      `they are ${mebibytes(frame.length)} MiB; the most is ${mebibytes(MAX_JOB_MESSAGE_BYTES)} MiB`,
    );
  }
  if (job.inFlightBytes + frame.length > MAX_JOB_IN_FLIGHT_BYTES) {
    throw new RangeError(
      `the execution's unanswered calls already hold ${mebibytes(job.inFlightBytes)} MiB; the most is ${mebibytes(MAX_JOB_IN_FLIGHT_BYTES)} MiB`,
    );
  }
  job.inFlight.set(message.id, frame.length);
  job.inFlightBytes += frame.length;
  channel.write(frame);
}

function mebibytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

function startTimer(job: ActiveJob, id: number, kind: unknown, ms: number): void {
  const fire = () => {
    if (kind !== 'interval') job.timers.delete(id);
    enter(job, { t: 'timer', id });
  };
  const delay = Math.min(Math.max(0, ms), 2 ** 31 - 1);
  const timer =
    kind === 'immediate'
      ? setImmediate(fire)
      : kind === 'interval'
        ? setInterval(fire, delay)
        : setTimeout(fire, delay);
  job.timers.set(id, timer);
}

function clearTimer(timer: NodeJS.Timeout | NodeJS.Immediate): void {
  clearTimeout(timer as NodeJS.Timeout);
  clearInterval(timer as NodeJS.Timeout);
  clearImmediate(timer as NodeJS.Immediate);
}

/**
 * The job's outcome, sent once the event loop is back here: none of the job's code still runs then
 * (the isolate runs only inside our calls into it), so the pool may hand this runner on at once.
 */
function finishJob(job: ActiveJob, message: Extract<RunnerToPool, { t: 'done' }>): void {
  if (job.ended) return;
  endJob(job, () => channel.write(doneFrame(message)));
}

/** The outcome as a frame; a return value that cannot go to the worker fails the job, saying why. */
function doneFrame(message: Extract<RunnerToPool, { t: 'done' }>): Buffer {
  const refused = (reason: string) =>
    encodeFrame({
      t: 'done',
      job: message.job,
      ok: false,
      error: {
        name: 'TypeError',
        message: `the handler's return value cannot be passed to the worker: ${reason}`,
      },
    });
  let frame: Buffer;
  try {
    frame = encodeFrame(message);
  } catch (error) {
    return refused((error as Error).message);
  }
  if (frame.length > MAX_JOB_MESSAGE_BYTES) {
    return refused(
      `it is ${mebibytes(frame.length)} MiB; the most is ${mebibytes(MAX_JOB_MESSAGE_BYTES)} MiB`,
    );
  }
  return frame;
}

/** Ends a job here: its timers cleared, its context released (from the event loop, outside the isolate). */
function endJob(job: ActiveJob, notify?: () => void): void {
  job.ended = true;
  for (const timer of job.timers.values()) clearTimer(timer);
  job.timers.clear();
  if (active === job) active = undefined;
  setImmediate(() => {
    job.receive?.release();
    job.context.release();
    notify?.();
  });
  prepareSpareContext();
}

function failActiveJob(reason: unknown): void {
  if (active && !active.ended) {
    finishJob(active, { t: 'done', job: active.id, ok: false, error: toWireError(reason) });
  }
}

/** `new URL()` inside the isolate, by Node's WHATWG parser: the parts, or the error's message. */
function parseUrl(input: unknown, base: unknown): UrlParts | string {
  try {
    const url = new URL(String(input), base === undefined ? undefined : String(base));
    const { href, origin, protocol, username, password, host, hostname, port, pathname, search, hash } = url;
    return { href, origin, protocol, username, password, host, hostname, port, pathname, search, hash };
  } catch (error) {
    return (error as Error).message;
  }
}

function isLevel(level: unknown): level is 'debug' | 'info' | 'warn' | 'error' {
  return level === 'debug' || level === 'info' || level === 'warn' || level === 'error';
}

function toWireError(value: unknown): WireError {
  if (typeof value === 'object' && value !== null && 'message' in value) {
    const error = value as { name?: unknown; message?: unknown; stack?: unknown };
    const name = typeof error.name === 'string' ? error.name : 'Error';
    const message = String(error.message);
    if (name === 'Error' && message === 'Not supported') {
      // V8's words for import() in an isolate tell a user nothing.
      return {
        name: 'Error',
        message:
          'dynamic import() is not available: flows run without modules; reach the world through the flow API (this.connect, this.flow, ...)',
      };
    }
    return { name, message, ...(typeof error.stack === 'string' ? { stack: error.stack } : {}) };
  }
  return { name: 'Error', message: `a non-error value was thrown: ${String(value)}` };
}

/**
 * Defence in depth for the runner's own realm, which no user code reaches (it runs in the isolate):
 * no way to signal other processes, to load further modules, or a ready-made network client.
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
  const runnerGlobals = globalThis as unknown as Record<string, unknown>;
  for (const name of ['fetch', 'WebSocket', 'EventSource']) delete runnerGlobals[name];
}
