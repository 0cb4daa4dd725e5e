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
 *
 * What user code sees (`Execution`, `System`, `ExecutionHandle`, the error classes and the types they
 * use) is declared here with the doc comments the browser's editor shows: scripts/flow-api-dts.ts turns
 * these declarations into the editor's (engine/api/flow-api.generated.ts, `npm run flow-api:types`),
 * and createFlowApi's objects are checked against them. A member marked `@internal` is left out.
 */
import {
  installDeterminism,
  ReplayClock,
  ReplaySchedule,
  type RealmGlobals,
  type ScheduledAnswer,
} from './determinism';

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

/** A child started with `{ wait: false }` or `{ run: false }`: answered before it is written, at once. */
function answeredAtOnce(method: string, payload: unknown): boolean {
  const options = (payload as { options?: { wait?: boolean; run?: boolean } } | null)?.options;
  return method === 'child.start' && (options?.wait === false || options?.run === false);
}

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
  /** The answers the journal holds, in the order the first run received them (see ReplaySchedule). */
  replay?: ScheduledAnswer[];
  /**
   * The trigger node that started this run (a webhook call's): it passes the input on and the graph's
   * other triggers are skipped. Absent (a run started by hand or by a parent): every trigger passes it on.
   */
  trigger?: string | null;
};

export type RpcCall = (method: string, args: unknown[]) => Promise<unknown>;

// ---------------------------------------------------------------- the flow API as user code sees it

/* eslint-disable @typescript-eslint/no-explicit-any -- `any` defaults: an untyped flow reads `child.output.x` */

/** The status of an execution. Ended statuses never change again. */
export type ExecutionStatus =
  'PENDING' | 'RUNNING' | 'WAITING' | 'PAUSED' | 'ENDED_SUCCESS' | 'ENDED_ERROR' | 'ENDED_CANCELLED';

/** The kind of an execution (CONNECTION: one connector call, SCRIPT: this.script()). */
export type ExecutionType = 'FLOW' | 'SCRIPT' | 'CONNECTION' | 'SCHEDULE' | 'WEBHOOK';

/**
 * How waitFor decides it is done:
 * - 'ALL_SUCCEEDED' (the default): when every child succeeded; the first that fails (or is cancelled)
 *   throws DependencyFailedError.
 * - 'ALL_ENDED': when every child ended, however it ended (read each handle's status).
 * - 'FIRST_ENDED': as soon as one child ended (the others may still be running).
 */
export type ReturnWhen = 'ALL_SUCCEEDED' | 'ALL_ENDED' | 'FIRST_ENDED';

/** How this.flow(), this.connect() and this.script() start their child. */
export type ChildOptions = {
  /** false: start the child and return at once with its handle (join it later with waitFor). Default true. */
  wait?: boolean;
  /** false: create the child without starting it; start it with handle.run() or handle.runAsync(). Default true. */
  run?: boolean;
  /** The child execution's name (default: the flow's name, or the connector type). */
  name?: string;
  /** The graph node that starts the child (set by graph flows). */
  nodeId?: string;
  /**
   * The child's own timeout in seconds (1 to 86400), at most what it would get without it: a child
   * flow's timeout is the smaller of its flow's and this, a script's or a connector call's the smaller
   * of this execution's and this. Past it the child ends ENDED_ERROR with TimeoutExceededError.
   */
  timeoutSeconds?: number;
};

/** Connection input for an ad-hoc connector call: the connector type and its fields. */
export interface AdHocConnection {
  connector_type: string;
  [field: string]: unknown;
}

/** Which executions system.executions() lists: those that match every field given. */
export type ExecutionFilter = {
  /** The flow's name. */
  flow?: string;
  status?: ExecutionStatus | ExecutionStatus[];
  type?: ExecutionType;
  parentId?: string;
  rootId?: string;
  /** At most this many (1 to 1000, default 100). */
  limit?: number;
};

/** An execution's fields, as the flow API reports them. */
export interface ExecutionInfo<Output = any> {
  readonly id: string;
  readonly type: ExecutionType;
  readonly name: string;
  readonly status: ExecutionStatus;
  /** What the execution returned or saved as its output (null until then). */
  readonly output: Output;
  readonly message: string | null;
  /** Why it ended ENDED_ERROR (null otherwise). */
  readonly error: { name: string; message: string } | null;
}

/**
 * The execution a handler runs as: `this` inside
 * `export default async function handler(this: Execution, system: System) { ... }`.
 */
export interface Execution<Input = any> {
  readonly id: string;
  readonly name: string;
  /** The execution at the top of this one's tree (its own id when it has no parent). */
  readonly rootId: string;
  readonly parentId: string | null;
  /** false in dev mode (children inherit it). */
  readonly isProductive: boolean;
  /** The input this execution was started with. */
  readonly input: Input;

  /**
   * The idempotency key of the next flow API call: "<execution id>:<number>". After a crash the call
   * in flight may run again; the key is the same both times (send it to systems that deduplicate).
   */
  stepKey(): string;

  /** Starts a child flow; by default waits for it and throws DependencyFailedError if it fails. */
  flow<Output = any>(name: string, input?: unknown, options?: ChildOptions): Promise<ExecutionHandle<Output>>;
  /** One call through a connector: a stored connection by name, or { connector_type, ... } ad hoc. */
  connect<Output = any>(
    connection: string | AdHocConnection,
    input?: Record<string, unknown>,
    options?: ChildOptions,
  ): Promise<ExecutionHandle<Output>>;
  /** Runs TypeScript source (`export default async function handler(this, system) {...}`) as a child SCRIPT execution. */
  script<Output = any>(
    source: string,
    input?: unknown,
    options?: ChildOptions,
  ): Promise<ExecutionHandle<Output>>;

  /** Ends this execution ENDED_SUCCESS with a message. Nothing after it runs. */
  success(message?: string): Promise<never>;
  /** Ends this execution ENDED_ERROR with a message. Nothing after it runs. */
  error(message?: string): Promise<never>;
  /**
   * Writes this execution's own fields: output replaces the output, message and name replace theirs.
   * An output or message over the size limit (1 MiB of JSON by default) ends the execution ENDED_ERROR.
   */
  save(fields: { output?: unknown; message?: string | null; name?: string }): Promise<void>;
  /**
   * Sets one key of the output (the output becomes an object). An output that grows over the size
   * limit (1 MiB by default) ends the execution ENDED_ERROR.
   */
  setOutput(key: string, value: unknown): Promise<void>;
  /**
   * The HTTP answer of the webhook call that started this flow (a later call replaces it): `status`
   * 100 to 599, `headers` as strings, `body` a string (sent as it is: HTML with a text/html content
   * type) or any JSON value (sent as JSON). Without it the answer is the output as JSON. Outside a
   * webhook call it is kept on the execution and changes nothing else.
   */
  respond(response: { status: number; headers?: Record<string, string>; body?: unknown }): Promise<void>;
  /**
   * A log line on this execution (console.log writes one too). By default an execution keeps 10,000
   * lines (later ones are dropped and counted) of at most 64 KiB each (a longer one is cut).
   */
  log(...values: unknown[]): Promise<void>;

  /** Sleeps; longer sleeps give up the worker and survive restarts (durable). */
  sleep(seconds: number): Promise<void>;
  /** Sleeps until a time (a Date, an ISO string or milliseconds since 1970), durably like sleep(). */
  sleepUntil(time: Date | string | number): Promise<void>;
  /** Waits for children (default ALL_SUCCEEDED: throws DependencyFailedError when one fails). */
  waitFor(
    children: ExecutionHandle | ExecutionHandle[],
    options?: { returnWhen?: ReturnWhen },
  ): Promise<ExecutionHandle[]>;

  /**
   * The runtime of a graph flow's compiled module: its nodes are registered in order with
   * `graph.node(...)` and run as soon as their incoming edges allow; `return graph.done()` ends the
   * handler with the outputs of the graph's leaves. See docs/graph.md.
   */
  graph(): GraphRun;
}

/** The handle of an edge's source: `out` (the default), a condition's `true`/`false`, or `error`. */
export type NodeHandle = 'out' | 'true' | 'false' | 'error';

/** How a graph node ended, as the nodes after it see it (`upstream.<id>`). */
export interface NodeResult<Output = any> {
  readonly status: 'success' | 'error' | 'skipped';
  /** What the node produced: its child's output, a condition's boolean, a value it returned (else null). */
  readonly output: Output;
  /** Its child's message, if it started one. */
  readonly message: string | null;
  /** Why it failed (status `error`): the error's name and message, and the child that failed, if any. */
  readonly error: { name: string; message: string; childId?: string } | null;
  /** The child execution its last attempt started, if any. */
  readonly childId: string | null;
}

/** The results of the nodes that have finished, by node id. */
export type NodeResults = { readonly [id: string]: NodeResult };

/** How a graph node deals with failure. */
export type NodeOptions = {
  /**
   * Extra attempts after a failed one (`count`), the first after `delay_seconds`, each later one
   * `backoff` (default 1) times longer than the one before. The waits are durable sleeps.
   */
  retries?: { count: number; delay_seconds: number; backoff?: number };
  /**
   * After the last attempt failed: 'fail' (the default) ends the flow with the error; 'continue' takes
   * the node's `error` edge instead (its `out` edge is not taken).
   */
  on_error?: 'fail' | 'continue';
};

/** A condition node's choice of edge (from graph.take()): return it from the node's body. */
export type NodeBranch = { readonly __graphMarker: 'branch' };

/** A trigger node's result (from graph.trigger()): return it from the node's body. */
export type NodeTrigger = { readonly __graphMarker: 'trigger' };

/** The nodes of one graph flow's run (this.graph()). */
export interface GraphRun {
  /**
   * Registers a node and starts it: once every source in `after` has finished, its body runs if at
   * least one of those edges is taken (`'<source id>'` for the `out` handle, `'<source id>:<handle>'`
   * otherwise; a node with no edges always runs), else it is skipped. Sources must be registered first.
   */
  node(
    id: string,
    after: readonly string[],
    body: (upstream: NodeResults) => unknown,
    options?: NodeOptions,
  ): void;
  /** A condition node's result: take its `true` or its `false` edge. */
  take(branch: 'true' | 'false'): NodeBranch;
  /** A trigger node's result: the execution's input is its output. */
  trigger(type: 'webhook' | 'schedule', params: Record<string, unknown>): NodeTrigger;
  /**
   * Waits for every node; resolves to the outputs of the leaves (nodes no edge leaves) that succeeded,
   * by node id. Rejects with the first error of a node without `on_error: 'continue'`, its message
   * prefixed with `node '<id>': `.
   */
  done(): Promise<Record<string, unknown>>;
}

/** A flow, as system.flow() finds it. */
export interface FlowInfo {
  id: string;
  name: string;
  kind: 'graph' | 'code';
  /** The version that runs now. */
  version: number;
}

/** A setting: a named value kept by the platform, shared by every execution. */
export interface Setting<Value = any> {
  /** The setting's value; throws ResourceNotFoundError when there is none. */
  get(): Promise<Value>;
  /** Stores the value (JSON), creating the setting if need be. */
  save(value: Value): Promise<void>;
}

/** The platform's records: the second argument of the handler. */
export interface System {
  /** A flow by name; throws ResourceNotFoundError when there is none. */
  flow(name: string): Promise<FlowInfo>;
  setting<Value = any>(name: string): Setting<Value>;
  /** Executions, latest first. */
  executions(filter?: ExecutionFilter): Promise<ExecutionInfo[]>;
}

/* eslint-enable @typescript-eslint/no-explicit-any */

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
 * The answer to a call. `at`: the time the journal recorded for a step (the clock user code reads from
 * then on). `fatal`: the error ends the execution whatever user code does (a replay that went another
 * way): every later call throws it again. A call that stops the handler (the execution suspends, ended
 * or was cancelled) gets no answer at all: the worker drops the job, and the runner stops it.
 */
export type CallResult =
  { ok: true; value: unknown; at?: number } | { ok: false; error: WireError; at?: number; fatal?: boolean };

export type ChildRequest =
  | { kind: 'flow'; flow: string; input: unknown; options: ChildOptions }
  | { kind: 'connect'; connection: string | Record<string, unknown>; input: unknown; options: ChildOptions }
  | { kind: 'script'; source: string; input: unknown; options: ChildOptions };

// ---------------------------------------------------------------- errors (names are part of the API)

/**
 * An error of the flow API. Tell them apart by name (they are not globals of a flow, so not by instanceof):
 * `catch (e) { if ((e as FlowApiError).name === 'DependencyFailedError') ... }`.
 * - DependencyFailedError: a child the execution depended on failed or was cancelled (e.childId, e.childStatus).
 * - ResourceNotFoundError: the flow, connection, setting or execution named does not exist.
 * - TimeoutExceededError: a time limit ran out (the execution's timeout, a wait's timeout).
 * - InvalidArgumentError: a call's arguments were wrong (the message names the argument).
 * - NondeterminismError: a replay took another way than the run it replays; the execution ends with it.
 * - LimitExceededError: a limit of the platform was reached (the depth of the execution tree, ...).
 * - InputTooLargeError: a child's input is over the size limit (1 MiB of JSON by default); no child is started.
 */
export class FlowApiError extends Error {
  /** DependencyFailedError only: the child that failed. */
  declare readonly childId?: string;
  /** DependencyFailedError only: how the child ended. */
  declare readonly childStatus?: ExecutionStatus;

  /** @internal */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A child execution failed (or was cancelled) while this execution depended on it. */
export class DependencyFailedError extends FlowApiError {
  /** @internal */
  constructor(
    message: string,
    /** The child that failed. */
    override readonly childId: string,
    /** How the child ended: ENDED_ERROR or ENDED_CANCELLED. */
    override readonly childStatus: ExecutionStatus = 'ENDED_ERROR',
  ) {
    super(message);
  }
}

/** A flow, connection, setting or execution named by the call does not exist. */
export class ResourceNotFoundError extends FlowApiError {}

/** A time limit ran out (the execution's timeout, a wait's timeout). */
export class TimeoutExceededError extends FlowApiError {}

/** A limit of the platform was reached (the depth of the execution tree, ...); the message names it. */
export class LimitExceededError extends FlowApiError {}

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
    error = new DependencyFailedError(
      wire.message,
      wire.childId ?? '',
      wire.childStatus as ExecutionStatus | undefined,
    );
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
 * What success()/error() throw should the worker ever answer their `end` call (it drops the job
 * instead): no user code runs past an end. Not exported to user code.
 */
class ExecutionHalt extends Error {
  constructor() {
    super('the execution has ended');
    this.name = 'ExecutionHalt';
  }
}

// ---------------------------------------------------------------- the API

export function createFlowApi(
  context: RunnerContext,
  call: RpcCall,
): {
  execution: Execution;
  system: System;
  /** Where the runner sends the user's console output: log lines, numbered like this.log's. */
  consoleLine(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
} {
  let steps = 0;
  let linesAfterStep = 0;
  let halted: Error | null = null;
  const realm = globalThis as unknown as RealmGlobals;
  const realNow = Date.now.bind(Date); // the realm's real clock, before it is replaced
  /** Ends the execution with an error user code cannot catch its way past (its own end call). */
  const endWith = (error: { name: string; message: string }) => {
    invoke('end', { status: 'ENDED_ERROR', message: `${error.name}: ${error.message}`, error }).catch(
      () => {},
    );
  };
  const clock = new ReplayClock(context.startedAt ?? realNow(), realNow, (error) =>
    endWith({ name: error.name, message: error.message }),
  );
  const recorded = context.replay ?? [];
  const schedule =
    recorded.length > 0 && realm.setTimeout && realm.clearTimeout && realm.setImmediate
      ? new ReplaySchedule(
          clock,
          recorded,
          {
            setTimeout: realm.setTimeout.bind(globalThis) as (callback: () => void, ms: number) => unknown,
            clearTimeout: realm.clearTimeout.bind(globalThis),
            setImmediate: realm.setImmediate.bind(globalThis),
          },
          (waitingFor) =>
            endWith({
              name: 'NondeterminismError',
              message:
                `the replay never made step ${waitingFor.seq}, which the first run made at this point: the flow's ` +
                'code took another way (see docs/engine.md, "Replay")',
            }),
        )
      : undefined;
  installDeterminism(realm, { clock, seed: context.seed ?? '', executionId: context.executionId, schedule });

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
    // A replay hands answers to user code in the order the first run received them; an asynchronous
    // child's start is answered at once, on every run (it takes no place in that order).
    if (schedule && journaledCalls.has(method) && !answeredAtOnce(method, payload)) {
      await schedule.deliver(position);
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

  /** The run's graph, made on the first this.graph() (one per run). */
  let graphRun: ReturnType<typeof createGraphRun> | undefined;

  // The worker always sends name and rootId (engine/runtime/worker.ts); only tests leave them out.
  const execution = {
    id: context.executionId,
    input: context.input,
    name: context.name as string,
    rootId: context.rootId as string,
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
      graphRun?.ending('success', message ?? null);
      await invoke('end', { status: 'ENDED_SUCCESS', message: message ?? null });
      throw new ExecutionHalt();
    },

    async error(message?: string): Promise<never> {
      graphRun?.ending('error', message ?? null);
      await invoke('end', { status: 'ENDED_ERROR', message: message ?? null });
      throw new ExecutionHalt();
    },

    async save(fields: { output?: unknown; message?: string | null; name?: string }): Promise<void> {
      await invoke('save', fields);
    },

    async setOutput(key: string, value: unknown): Promise<void> {
      await invoke('setOutput', { key, value });
    },

    async respond(response: {
      status: number;
      headers?: Record<string, string>;
      body?: unknown;
    }): Promise<void> {
      await invoke('respond', response);
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

    graph(): GraphRun {
      graphRun ??= createGraphRun({
        input: context.input,
        trigger: context.trigger ?? null,
        invoke,
        sleep: (seconds) => execution.sleep(seconds),
        isHandle: (value): value is ExecutionHandle => value instanceof ExecutionHandle,
      });
      return graphRun;
    },
  } satisfies Execution;

  const system = {
    async flow(name: string): Promise<FlowInfo> {
      return (await invoke('system.flow', { name })) as FlowInfo;
    },
    setting(name: string): Setting {
      return {
        get: async (): Promise<unknown> => invoke('setting.get', { name }),
        save: async (value: unknown): Promise<void> => {
          await invoke('setting.save', { name, value });
        },
      };
    },
    async executions(filter: ExecutionFilter = {}): Promise<ExecutionInfo[]> {
      return (await invoke('system.executions', filter)) as ExecutionInfo[];
    },
  } satisfies System;

  const consoleLine = (level: 'debug' | 'info' | 'warn' | 'error', text: string): void => {
    invoke('log', { level, args: [text] }).catch(() => {});
  };

  return { execution, system, consoleLine };
}

type Invoke = (method: string, payload: unknown) => Promise<unknown>;
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A child execution, as its parent sees it. Fields are as of the last call that returned this handle. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as ExecutionInfo's
export class ExecutionHandle<Output = any> implements ExecutionInfo<Output> {
  readonly id!: string;
  readonly type!: ExecutionType;
  readonly name!: string;
  readonly status!: ExecutionStatus;
  /** What the child returned or saved as its output (null until then). */
  readonly output!: Output;
  readonly message!: string | null;
  /** Why the child ended ENDED_ERROR (null otherwise). */
  readonly error!: { name: string; message: string } | null;

  readonly #invoke: Invoke;
  readonly #handleFor: (snapshot: ExecutionSnapshot) => ExecutionHandle;

  /** @internal */
  constructor(
    snapshot: ExecutionSnapshot,
    invoke: Invoke,
    handleFor: (snapshot: ExecutionSnapshot) => ExecutionHandle,
  ) {
    this.#invoke = invoke;
    this.#handleFor = handleFor;
    this.update(snapshot);
  }

  /** @internal Takes in a later answer about the same child. */
  update(snapshot: ExecutionSnapshot): void {
    (this as Writable<ExecutionInfo>).id = snapshot.id;
    (this as Writable<ExecutionInfo>).type = snapshot.type as ExecutionType;
    (this as Writable<ExecutionInfo>).name = snapshot.name;
    (this as Writable<ExecutionInfo>).status = snapshot.status as ExecutionStatus;
    (this as Writable<ExecutionInfo>).output = snapshot.output;
    (this as Writable<ExecutionInfo>).message = snapshot.message;
    (this as Writable<ExecutionInfo>).error = snapshot.error;
  }

  /** True once the status starts with ENDED_. */
  get ended(): boolean {
    return this.status.startsWith('ENDED_');
  }

  /** Runs a child created with { run: false } and waits for it; a failure throws DependencyFailedError. */
  async run(): Promise<this> {
    this.#handleFor((await this.#invoke('child.run', { id: this.id, wait: true })) as ExecutionSnapshot);
    return this;
  }

  /** Starts a child created with { run: false } in the background. */
  async runAsync(): Promise<this> {
    this.#handleFor((await this.#invoke('child.run', { id: this.id, wait: false })) as ExecutionSnapshot);
    return this;
  }

  /** Waits until the child ends; a failure throws DependencyFailedError. */
  async wait(): Promise<this> {
    this.#handleFor((await this.#invoke('child.wait', { id: this.id })) as ExecutionSnapshot);
    return this;
  }

  /** Cancels the child and everything below it. */
  async cancel(): Promise<this> {
    this.#handleFor((await this.#invoke('child.cancel', { id: this.id })) as ExecutionSnapshot);
    return this;
  }

  /** @internal What JSON.stringify writes: the fields. */
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

// ---------------------------------------------------------------- graph flows (this.graph())

/** How a node ended, for the nodes after it: whether it ran, and which of its edges it took. */
type NodeOutcome = { ran: boolean; handle: NodeHandle | null; result: NodeResult };

type NodeEdge = { source: string; handle: NodeHandle };

type GraphNode = {
  id: string;
  edges: NodeEdge[];
  /** Named as a source by a later node: not a leaf. */
  hasSuccessors: boolean;
  /** Never rejects: a failure is an outcome (see runNode). */
  outcome: Promise<NodeOutcome>;
};

/** What a node reports to the worker for its record in execution_nodes (the `node` call). */
export type NodeReport = {
  id: string;
  state: 'running' | 'success' | 'error' | 'skipped';
  attempt?: number;
  childId?: string;
  output?: unknown;
  error?: { name: string; message: string; childId?: string };
};

const NODE_HANDLES: readonly string[] = ['out', 'true', 'false', 'error'];
/** Bounds of a node's error message as recorded (the worker refuses longer ones). */
const MAX_NODE_ERROR_MESSAGE = 10_000;
/** The most extra attempts a node may ask for. */
const MAX_NODE_RETRIES = 100;

function skippedResult(): NodeResult {
  return Object.freeze({ status: 'skipped', output: null, message: null, error: null, childId: null });
}

function parseEdge(nodeId: string, edge: unknown): NodeEdge {
  if (typeof edge !== 'string' || edge === '') {
    throw new InvalidArgumentError(
      `graph.node('${nodeId}'): an edge must be '<source id>' or '<source id>:<handle>'`,
    );
  }
  const colon = edge.lastIndexOf(':');
  if (colon < 0) return { source: edge, handle: 'out' };
  const handle = edge.slice(colon + 1);
  if (!NODE_HANDLES.includes(handle)) {
    throw new InvalidArgumentError(
      `graph.node('${nodeId}'): '${edge}' names the handle '${handle}'; a handle is out, true, false or error`,
    );
  }
  return { source: edge.slice(0, colon), handle: handle as NodeHandle };
}

function checkNodeOptions(nodeId: string, options: NodeOptions): void {
  const retries = options.retries;
  if (retries !== undefined) {
    const { count, delay_seconds: delay, backoff = 1 } = retries;
    const valid =
      Number.isInteger(count) &&
      count >= 0 &&
      count <= MAX_NODE_RETRIES &&
      typeof delay === 'number' &&
      Number.isFinite(delay) &&
      delay >= 0 &&
      typeof backoff === 'number' &&
      Number.isFinite(backoff) &&
      backoff >= 1;
    if (!valid) {
      throw new InvalidArgumentError(
        `graph.node('${nodeId}'): retries needs a count from 0 to ${MAX_NODE_RETRIES}, delay_seconds >= 0 and backoff >= 1`,
      );
    }
  }
  if (options.on_error !== undefined && options.on_error !== 'fail' && options.on_error !== 'continue') {
    throw new InvalidArgumentError(`graph.node('${nodeId}'): on_error is 'fail' or 'continue'`);
  }
}

/** A node's error as its record and the nodes after it see it. */
function nodeError(error: unknown): { name: string; message: string; childId?: string } {
  const { name, message, childId } = (error ?? {}) as {
    name?: unknown;
    message?: unknown;
    childId?: unknown;
  };
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: (typeof message === 'string' ? message : String(error)).slice(0, MAX_NODE_ERROR_MESSAGE),
    ...(typeof childId === 'string' && childId !== '' ? { childId } : {}),
  };
}

/**
 * The error graph.done() rejects with when a node fails: its name, class and child kept (a
 * DependencyFailedError stays one), its message naming the node.
 */
function failedNodeError(nodeId: string, error: unknown): Error {
  const { childStatus, stack } = (error ?? {}) as { childStatus?: unknown; stack?: unknown };
  const { name, message, childId } = nodeError(error);
  const wrapped = errorFromWire({
    name,
    message: `node '${nodeId}': ${message}`,
    childId,
    childStatus: typeof childStatus === 'string' ? childStatus : undefined,
  });
  if (typeof stack === 'string') {
    // The user's frames of the original error, under the new first line.
    const frames = stack.split('\n').filter((line) => /^\s+at /.test(line));
    wrapped.stack = [`${wrapped.name}: ${wrapped.message}`, ...frames].join('\n');
  }
  return wrapped;
}

type GraphServices = {
  input: unknown;
  /** The trigger node that fired (RunnerContext.trigger). */
  trigger: string | null;
  invoke: Invoke;
  sleep(seconds: number): Promise<void>;
  isHandle(value: unknown): value is ExecutionHandle;
};

/**
 * The runtime of one graph flow's run. Nodes are promises chained on their sources' outcomes, so
 * independent nodes run concurrently and every flow API call they make is numbered in the order the
 * calls are made, which a replay reproduces (ReplaySchedule): no timers, no randomness here. Every node
 * reports its states to the worker (`node`, not journaled, not awaited: a report never delays a node).
 */
function createGraphRun(services: GraphServices): GraphRun & {
  /** success()/error() is about to end the execution: the node whose body ends it, if one can tell. */
  ending(status: 'success' | 'error', message: string | null): void;
} {
  const nodes = new Map<string, GraphNode>();
  /** Results of finished nodes, in the order they finished. */
  const finished = new Map<string, NodeResult>();
  const branches = new WeakMap<object, 'true' | 'false'>();
  const triggers = new WeakSet<object>();
  /** Nodes whose body is running (for `ending`), and the one whose body runs synchronously right now. */
  const running = new Set<string>();
  let inBody: string | null = null;
  let closed = false;
  /** The first failure of a node that may not continue: graph.done() rejects with it. */
  let failure: Error | null = null;
  let onFailure: (error: Error) => void = () => {};
  const failed = new Promise<Error>((resolve) => (onFailure = resolve));

  const report = (fields: NodeReport): void => {
    // Fire and forget: a report that cannot be made (the execution halted) changes nothing.
    services.invoke('node', fields).catch(() => {});
  };

  /** Whether the edges into a node let it run: an OR-join (a node without edges always runs). */
  function taken(edges: readonly NodeEdge[], sources: readonly NodeOutcome[]): boolean {
    if (edges.length === 0) return true;
    return edges.some((edge, index) => sources[index]!.ran && sources[index]!.handle === edge.handle);
  }

  function upstream(): NodeResults {
    return Object.freeze(Object.fromEntries(finished));
  }

  /** The outcome of a body's value (a handle, a branch, a trigger, or a plain value). */
  function outcomeOf(value: unknown): {
    handle: NodeHandle;
    result: NodeResult;
    childId?: string;
    recorded: unknown;
  } {
    if (services.isHandle(value)) {
      const result: NodeResult = Object.freeze({
        status: 'success',
        output: value.output,
        message: value.message,
        error: null,
        childId: value.id,
      });
      // The child's row holds the output: the record names the child instead of copying it.
      return { handle: 'out', result, childId: value.id, recorded: undefined };
    }
    if (typeof value === 'object' && value !== null && branches.has(value)) {
      const branch = branches.get(value) as 'true' | 'false';
      const output = branch === 'true';
      return { handle: branch, result: plainResult(output), recorded: output };
    }
    if (isTrigger(value)) {
      // The trigger that fired (or any, in a run not started by a trigger): the input is its output.
      const output = services.input ?? null;
      return { handle: 'out', result: plainResult(output), recorded: output };
    }
    const output = value === undefined ? null : value;
    return { handle: 'out', result: plainResult(output), recorded: output };
  }

  function isTrigger(value: unknown): boolean {
    return typeof value === 'object' && value !== null && triggers.has(value);
  }

  function plainResult(output: unknown): NodeResult {
    return Object.freeze({ status: 'success', output, message: null, error: null, childId: null });
  }

  /** One attempt of a body: its value, with the node marked as the one running synchronously. */
  async function attempt(id: string, body: (upstream: NodeResults) => unknown): Promise<unknown> {
    const previous = inBody;
    inBody = id;
    let value: unknown;
    try {
      value = body(upstream());
    } finally {
      inBody = previous;
    }
    return await value;
  }

  /** A node's run: wait for its sources, run or skip, retry, and report each state. Never rejects. */
  async function runNode(
    id: string,
    edges: readonly NodeEdge[],
    body: (upstream: NodeResults) => unknown,
    options: NodeOptions,
  ): Promise<NodeOutcome> {
    const sources = await Promise.all(edges.map((edge) => (nodes.get(edge.source) as GraphNode).outcome));
    // Once the flow is failing nothing new starts; such a node is left without a record.
    if (failure) return { ran: false, handle: null, result: skippedResult() };
    if (!taken(edges, sources)) {
      const result = skippedResult();
      finished.set(id, result);
      report({ id, state: 'skipped' });
      return { ran: false, handle: null, result };
    }
    const retries = options.retries;
    const attempts = 1 + (retries?.count ?? 0);
    let lastError: unknown;
    running.add(id);
    try {
      for (let number = 1; number <= attempts; number++) {
        if (number > 1 && retries) {
          // Durable and journaled: a replay passes it at once, in the same place.
          await services.sleep(retries.delay_seconds * (retries.backoff ?? 1) ** (number - 2));
        }
        report({ id, state: 'running', attempt: number });
        try {
          const value = await attempt(id, body);
          if (isTrigger(value) && services.trigger !== null && services.trigger !== id) {
            // Another trigger started this run: this one did not fire, so its branch does not run.
            const result = skippedResult();
            finished.set(id, result);
            report({ id, state: 'skipped' });
            return { ran: false, handle: null, result };
          }
          const { handle, result, childId, recorded } = outcomeOf(value);
          finished.set(id, result);
          report({
            id,
            state: 'success',
            attempt: number,
            ...(childId ? { childId } : {}),
            ...(recorded !== undefined ? { output: recorded } : {}),
          });
          return { ran: true, handle, result };
        } catch (error) {
          lastError = error;
        }
      }
    } finally {
      running.delete(id);
    }
    const error = nodeError(lastError);
    const result: NodeResult = Object.freeze({
      status: 'error',
      output: null,
      message: null,
      error: Object.freeze(error),
      childId: error.childId ?? null,
    });
    finished.set(id, result);
    report({
      id,
      state: 'error',
      attempt: attempts,
      ...(error.childId ? { childId: error.childId } : {}),
      error,
    });
    if (options.on_error === 'continue') return { ran: true, handle: 'error', result };
    if (!failure) {
      failure = failedNodeError(id, lastError);
      onFailure(failure);
    }
    return { ran: true, handle: null, result };
  }

  return {
    node(id, after, body, options = {}) {
      if (closed)
        throw new InvalidArgumentError(`graph.node('${String(id)}'): graph.done() was already called`);
      if (typeof id !== 'string' || id === '')
        throw new InvalidArgumentError('graph.node(id): id must be a non-empty string');
      if (nodes.has(id))
        throw new InvalidArgumentError(`graph.node('${id}'): a node with this id is registered already`);
      if (!Array.isArray(after))
        throw new InvalidArgumentError(`graph.node('${id}'): after must be an array of edges`);
      if (typeof body !== 'function')
        throw new InvalidArgumentError(`graph.node('${id}'): body must be a function`);
      const edges = after.map((edge) => parseEdge(id, edge));
      for (const edge of edges) {
        if (!nodes.has(edge.source)) {
          throw new InvalidArgumentError(
            `graph.node('${id}'): its source '${edge.source}' is not registered before it (nodes are registered in topological order)`,
          );
        }
      }
      checkNodeOptions(id, options);
      for (const edge of edges) (nodes.get(edge.source) as GraphNode).hasSuccessors = true;
      nodes.set(id, { id, edges, hasSuccessors: false, outcome: runNode(id, edges, body, options) });
    },

    take(branch) {
      if (branch !== 'true' && branch !== 'false')
        throw new InvalidArgumentError("graph.take(branch): branch is 'true' or 'false'");
      const marker = Object.freeze({}) as NodeBranch;
      branches.set(marker, branch);
      return marker;
    },

    trigger(type) {
      if (type !== 'webhook' && type !== 'schedule')
        throw new InvalidArgumentError("graph.trigger(type): type is 'webhook' or 'schedule'");
      const marker = Object.freeze({}) as NodeTrigger;
      triggers.add(marker);
      return marker;
    },

    async done() {
      closed = true;
      const all = [...nodes.values()];
      const settled = Promise.all(all.map((node) => node.outcome)).then(() => null);
      const error = await Promise.race([settled, failed]);
      if (error) throw error;
      const outputs: Record<string, unknown> = {};
      for (const node of all) {
        const result = finished.get(node.id);
        if (!node.hasSuccessors && result?.status === 'success') outputs[node.id] = result.output;
      }
      return outputs;
    },

    ending(status, message) {
      // The node whose body is running synchronously, or else the only one running: it ends the flow.
      const id = inBody ?? (running.size === 1 ? [...running][0]! : null);
      if (id === null) return;
      report(
        status === 'success'
          ? { id, state: 'success' }
          : {
              id,
              state: 'error',
              error: {
                name: 'FlowError',
                message: (message ?? 'the flow ended with an error').slice(0, MAX_NODE_ERROR_MESSAGE),
              },
            },
      );
    },
  };
}
