/**
 * The flow API as user code sees it, built INSIDE the runner process (engine/sandbox/runner.ts imports
 * this). Every effect is a message to the worker (`call`); nothing here touches the database or the
 * network. Owned by the runtime (engine helper); the sandbox only transports the calls.
 *
 * This file is bundled into the runner with what it imports (only ./determinism.ts, which needs nothing
 * but the language). The wire types and error classes live here; engine/api/protocol.ts and
 * engine/api/errors.ts re-export them.
 *
 * Numbers: each kind of call is numbered apart, as in Temporal. Journaled calls (JOURNALED_CALLS) carry
 * the next step number of this run (1, 2, 3, ...): a handler that makes them in the same order on every
 * run (the rule for replay) gets the same numbers, which is how the worker finds a call's recorded
 * result in the journal. Log lines carry their own numbers, so logging once more or less on a replay
 * shifts no step, and a replay does not write a line twice. Other calls (save, setOutput, end) need none.
 */
import { installDeterminism, ReplayClock } from './determinism';

/** The calls that are steps of the journal: recorded once, answered from the journal on every replay. */
export const JOURNALED_CALLS = [
  'child.start',
  'child.run',
  'child.wait',
  'child.cancel',
  'waitFor',
  'sleep',
  'setting.get',
  'setting.save',
  'system.flow',
  'system.executions',
] as const;
const journaledCalls = new Set<string>(JOURNALED_CALLS);

/**
 * A log line's position: the step it follows times this, plus its place after that step (from 1). A
 * line past this many after one step goes unnumbered (written, but not kept from a replay's repeat).
 */
export const LOG_LINES_PER_STEP = 2 ** 20;

/** What the runner knows about the execution it runs: plain data, sent with the SandboxJob. */
export type RunnerContext = {
  executionId: string;
  input: unknown;
  name?: string;
  rootId?: string;
  parentId?: string | null;
  isProductive?: boolean;
  /** The execution's secret seed: user code's randomness, the same on every replay. */
  seed?: string;
  /** When the execution first started (ms): the clock user code reads until its first step. */
  startedAt?: number;
};

export type RpcCall = (method: string, args: unknown[]) => Promise<unknown>;

// ---------------------------------------------------------------- wire protocol

export type WireError = {
  name: string;
  message: string;
  stack?: string;
  childId?: string;
  childStatus?: string;
};

/** A child execution as the parent sees it after a call. */
export type ExecutionSnapshot = {
  id: string;
  type: string;
  name: string;
  status: string;
  output: unknown;
  message: string | null;
  error: { name: string; message: string } | null;
};

/**
 * The answer to every call. `at`: the time the journal recorded for a step (the clock user code reads
 * from then on). `fatal`: the error ends the execution whatever user code does (a replay that went
 * another way): every later call throws it again. `halt` stops the handler: `suspended` (the execution
 * waits and gives up its worker; it runs again from the top when woken), `ended` (success()/error()
 * was called, or the execution was cancelled). User code cannot catch its way past a halt either.
 */
export type CallResult =
  | { ok: true; value: unknown; at?: number }
  | { ok: false; error: WireError; at?: number; fatal?: boolean }
  | { halt: 'suspended' | 'ended' };

export type ReturnWhen = 'ALL_SUCCEEDED' | 'ALL_ENDED' | 'FIRST_ENDED';

export type ChildOptions = {
  /** false: start the child and return at once (a handle to wait on later). Default true. */
  wait?: boolean;
  /** false: create the child without starting it; call handle.run() or handle.runAsync(). Default true. */
  run?: boolean;
  /** The execution's name (defaults to the flow's name, or the connector type). */
  name?: string;
  /** The graph node that created the child (set by compiled graph flows). */
  nodeId?: string;
};

export type ChildRequest =
  | { kind: 'flow'; flow: string; input: unknown; options: ChildOptions }
  | { kind: 'connect'; connection: string | Record<string, unknown>; input: unknown; options: ChildOptions }
  | { kind: 'script'; source: string; input: unknown; options: ChildOptions };

export type ExecutionFilter = {
  flow?: string;
  status?: string | string[];
  type?: string;
  parentId?: string;
  rootId?: string;
  limit?: number;
};

// ---------------------------------------------------------------- errors (names are part of the API)

export class FlowApiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A child execution failed (or was cancelled) while this execution depended on it. */
export class DependencyFailedError extends FlowApiError {
  constructor(
    message: string,
    readonly childId: string,
    readonly childStatus: string = 'ENDED_ERROR',
  ) {
    super(message);
  }
}

/** A flow, connection, setting or execution named by the call does not exist. */
export class ResourceNotFoundError extends FlowApiError {}

/** A time limit ran out (the execution's timeout, a wait's timeout). */
export class TimeoutExceededError extends FlowApiError {}

/** A call's arguments were wrong (the message names the argument). */
export class InvalidArgumentError extends FlowApiError {}

/**
 * A replay asked for something other than what the journal recorded (another call, another request, or
 * it ended without reaching a recorded step): the execution ends with this error, whatever user code does.
 */
export class NondeterminismError extends FlowApiError {}

const errorClasses: Record<string, new (message: string) => FlowApiError> = {
  ResourceNotFoundError,
  TimeoutExceededError,
  InvalidArgumentError,
  NondeterminismError,
};

/** Rebuilds an error the worker sent as the class user code can `instanceof`. */
export function errorFromWire(wire: WireError): Error {
  let error: Error;
  if (wire.name === 'DependencyFailedError') {
    error = new DependencyFailedError(wire.message, wire.childId ?? '', wire.childStatus);
  } else {
    const ErrorClass = errorClasses[wire.name];
    if (ErrorClass) {
      error = new ErrorClass(wire.message);
    } else {
      error = new FlowApiError(wire.message);
      error.name = wire.name;
    }
  }
  return error;
}

/**
 * Thrown into the handler when the execution stops here (it suspends, or it ended). Not exported to
 * user code; catching it changes nothing, because the worker already knows and every later call halts.
 */
class ExecutionHalt extends Error {
  constructor(readonly reason: 'suspended' | 'ended') {
    super(reason === 'ended' ? 'the execution has ended' : 'the execution is waiting and will resume later');
    this.name = 'ExecutionHalt';
  }
}

export function isExecutionHalt(error: unknown): boolean {
  return error instanceof ExecutionHalt;
}

// ---------------------------------------------------------------- the API

export function createFlowApi(
  context: RunnerContext,
  call: RpcCall,
): {
  execution: object;
  system: object;
  /** Where the runner sends the user's console output: log lines, numbered like this.log's. */
  consoleLine(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
} {
  let steps = 0;
  let linesAfterStep = 0;
  let halted: Error | null = null;
  const clock = new ReplayClock(context.startedAt ?? Date.now());
  installDeterminism(globalThis as unknown as Parameters<typeof installDeterminism>[0], {
    clock,
    seed: context.seed ?? '',
    executionId: context.executionId,
  });

  async function invoke(method: string, payload: unknown): Promise<unknown> {
    if (halted) throw halted;
    let position = 0;
    if (journaledCalls.has(method)) {
      position = ++steps;
      linesAfterStep = 0;
    } else if (method === 'log' && linesAfterStep < LOG_LINES_PER_STEP - 1) {
      position = steps * LOG_LINES_PER_STEP + ++linesAfterStep;
    }
    const result = (await call(method, [position, payload])) as CallResult;
    if ('halt' in result) {
      halted = new ExecutionHalt(result.halt);
      throw halted;
    }
    if (halted) throw halted;
    if (result.at !== undefined) clock.advanceTo(result.at);
    if (!result.ok) {
      const error = errorFromWire(result.error);
      if (result.fatal) halted = error;
      throw error;
    }
    return result.value;
  }

  const handles = new Map<string, ExecutionHandle>();

  /** One object per child id: later answers about the same child update it in place. */
  function handleFor(snapshot: ExecutionSnapshot): ExecutionHandle {
    let handle = handles.get(snapshot.id);
    if (!handle) {
      handle = new ExecutionHandle(snapshot, invoke, handleFor);
      handles.set(snapshot.id, handle);
    } else {
      handle.update(snapshot);
    }
    return handle;
  }

  async function startChild(request: ChildRequest): Promise<ExecutionHandle> {
    return handleFor((await invoke('child.start', request)) as ExecutionSnapshot);
  }

  const execution = {
    id: context.executionId,
    input: context.input,
    name: context.name,
    rootId: context.rootId,
    parentId: context.parentId ?? null,
    isProductive: context.isProductive ?? true,

    /** The idempotency key of the next journaled call: `<execution id>:<step number>`. */
    stepKey(): string {
      return `${context.executionId}:${steps + 1}`;
    },

    flow(flow: string, input?: unknown, options: ChildOptions = {}): Promise<ExecutionHandle> {
      if (typeof flow !== 'string' || flow === '') {
        return Promise.reject(new InvalidArgumentError('flow(name): name must be a non-empty string'));
      }
      return startChild({ kind: 'flow', flow, input: input ?? null, options });
    },

    connect(connection: string | Record<string, unknown>, input?: unknown, options: ChildOptions = {}) {
      return startChild({ kind: 'connect', connection, input: input ?? null, options });
    },

    script(source: string, input?: unknown, options: ChildOptions = {}): Promise<ExecutionHandle> {
      if (typeof source !== 'string') {
        return Promise.reject(new InvalidArgumentError('script(source): source must be a string'));
      }
      return startChild({ kind: 'script', source, input: input ?? null, options });
    },

    async success(message?: string): Promise<never> {
      await invoke('end', { status: 'ENDED_SUCCESS', message: message ?? null });
      throw new ExecutionHalt('ended');
    },

    async error(message?: string): Promise<never> {
      await invoke('end', { status: 'ENDED_ERROR', message: message ?? null });
      throw new ExecutionHalt('ended');
    },

    async save(fields: { output?: unknown; message?: string; name?: string }): Promise<void> {
      await invoke('save', fields);
    },

    async setOutput(key: string, value: unknown): Promise<void> {
      await invoke('setOutput', { key, value });
    },

    async log(...args: unknown[]): Promise<void> {
      await invoke('log', { level: 'info', args: args.map(toLoggable) });
    },

    async sleep(seconds: number): Promise<void> {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        throw new InvalidArgumentError('sleep(seconds): seconds must be a number >= 0');
      }
      await invoke('sleep', { seconds });
    },

    async sleepUntil(time: Date | string | number): Promise<void> {
      const at = new Date(time).getTime();
      if (Number.isNaN(at)) throw new InvalidArgumentError('sleepUntil(time): not a valid date');
      await invoke('sleep', { until: at });
    },

    async waitFor(
      children: ExecutionHandle | ExecutionHandle[],
      options: { returnWhen?: ReturnWhen } = {},
    ): Promise<ExecutionHandle[]> {
      const list = Array.isArray(children) ? children : [children];
      const ids = list.map((child) => child.id);
      const snapshots = (await invoke('waitFor', {
        ids,
        returnWhen: options.returnWhen ?? 'ALL_SUCCEEDED',
      })) as ExecutionSnapshot[];
      return snapshots.map(handleFor);
    },
  };

  const system = {
    async flow(name: string): Promise<{ id: string; name: string; kind: string; version: number }> {
      return (await invoke('system.flow', { name })) as {
        id: string;
        name: string;
        kind: string;
        version: number;
      };
    },
    setting(name: string) {
      return {
        get: async (): Promise<unknown> => invoke('setting.get', { name }),
        save: async (value: unknown): Promise<void> => {
          await invoke('setting.save', { name, value });
        },
      };
    },
    async executions(filter: ExecutionFilter = {}): Promise<ExecutionSnapshot[]> {
      return (await invoke('system.executions', filter)) as ExecutionSnapshot[];
    },
  };

  const consoleLine = (level: 'debug' | 'info' | 'warn' | 'error', text: string): void => {
    invoke('log', { level, args: [text] }).catch(() => {});
  };

  return { execution, system, consoleLine };
}

type Invoke = (method: string, payload: unknown) => Promise<unknown>;

export class ExecutionHandle {
  id!: string;
  type!: string;
  name!: string;
  status!: string;
  output: unknown;
  message!: string | null;
  error!: { name: string; message: string } | null;

  readonly #invoke: Invoke;
  readonly #handleFor: (snapshot: ExecutionSnapshot) => ExecutionHandle;

  constructor(
    snapshot: ExecutionSnapshot,
    invoke: Invoke,
    handleFor: (snapshot: ExecutionSnapshot) => ExecutionHandle,
  ) {
    this.#invoke = invoke;
    this.#handleFor = handleFor;
    this.update(snapshot);
  }

  update(snapshot: ExecutionSnapshot): void {
    this.id = snapshot.id;
    this.type = snapshot.type;
    this.name = snapshot.name;
    this.status = snapshot.status;
    this.output = snapshot.output;
    this.message = snapshot.message;
    this.error = snapshot.error;
  }

  get ended(): boolean {
    return this.status.startsWith('ENDED_');
  }

  /** Runs a child created with `{ run: false }` and waits for it (a failure throws DependencyFailedError). */
  async run(): Promise<this> {
    this.#handleFor((await this.#invoke('child.run', { id: this.id, wait: true })) as ExecutionSnapshot);
    return this;
  }

  /** Starts a child created with `{ run: false }` in the background. */
  async runAsync(): Promise<this> {
    this.#handleFor((await this.#invoke('child.run', { id: this.id, wait: false })) as ExecutionSnapshot);
    return this;
  }

  /** Waits until the child ends; a failed child throws DependencyFailedError. */
  async wait(): Promise<this> {
    this.#handleFor((await this.#invoke('child.wait', { id: this.id })) as ExecutionSnapshot);
    return this;
  }

  /** Cancels the child and its whole subtree. */
  async cancel(): Promise<this> {
    this.#handleFor((await this.#invoke('child.cancel', { id: this.id })) as ExecutionSnapshot);
    return this;
  }

  toJSON(): ExecutionSnapshot {
    return {
      id: this.id,
      type: this.type,
      name: this.name,
      status: this.status,
      output: this.output,
      message: this.message,
      error: this.error,
    };
  }
}

/** Log arguments travel as JSON: errors keep their name and message, the rest what JSON can hold. */
function toLoggable(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}
