/**
 * The flow API's type declarations, for the browser's code editor (Monaco: add as an extra lib, e.g.
 * `monaco.languages.typescript.typescriptDefaults.addExtraLib(flowApiDeclarations, 'flowline/flow-api.d.ts')`).
 * With it, `this.` in a handler completes and a wrong call is underlined. Kept as a string so it can be
 * shipped to the browser as is; flow-api-types.test.ts type-checks flows against it.
 *
 * It describes what engine/api/runner-api.ts builds: keep the two in step.
 */
export const flowApiDeclarations = `
/** The status of an execution. Ended statuses never change again. */
type ExecutionStatus =
  | 'PENDING'
  | 'RUNNING'
  | 'WAITING'
  | 'PAUSED'
  | 'ENDED_SUCCESS'
  | 'ENDED_ERROR'
  | 'ENDED_CANCELLED';

type ExecutionType = 'FLOW' | 'SCRIPT' | 'CONNECTION' | 'SCHEDULE' | 'WEBHOOK';

/** How waitFor decides it is done. */
type ReturnWhen = 'ALL_SUCCEEDED' | 'ALL_ENDED' | 'FIRST_ENDED';

interface ChildOptions {
  /** false: start the child and return at once with its handle (join it later with waitFor). Default true. */
  wait?: boolean;
  /** false: create the child without starting it; start it with handle.run() or handle.runAsync(). Default true. */
  run?: boolean;
  /** The child execution's name (default: the flow's name, or the connector type). */
  name?: string;
  /** The graph node that starts the child (set by graph flows). */
  nodeId?: string;
}

/** A child execution, as its parent sees it. Fields are as of the last call that returned this handle. */
interface ExecutionHandle<Output = any> {
  readonly id: string;
  readonly type: ExecutionType;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly output: Output;
  readonly message: string | null;
  readonly error: { name: string; message: string } | null;
  /** True once the status starts with ENDED_. */
  readonly ended: boolean;
  /** Runs a child created with { run: false } and waits for it; a failure throws DependencyFailedError. */
  run(): Promise<this>;
  /** Starts a child created with { run: false } in the background. */
  runAsync(): Promise<this>;
  /** Waits until the child ends; a failure throws DependencyFailedError. */
  wait(): Promise<this>;
  /** Cancels the child and everything below it. */
  cancel(): Promise<this>;
}

/** Connection input for an ad-hoc connector call: the connector type and its fields. */
interface AdHocConnection {
  connector_type: string;
  [field: string]: unknown;
}

interface ExecutionFilter {
  flow?: string;
  status?: ExecutionStatus | ExecutionStatus[];
  type?: ExecutionType;
  parentId?: string;
  rootId?: string;
  limit?: number;
}

/** The execution a handler runs as: \`this\` inside \`export default async function handler(this: Execution, system: System)\`. */
interface Execution<Input = any> {
  readonly id: string;
  readonly name: string;
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
  /** Runs TypeScript source (\`export default async function handler(this, system) {...}\`) as a child SCRIPT execution. */
  script<Output = any>(source: string, input?: unknown, options?: ChildOptions): Promise<ExecutionHandle<Output>>;

  /** Ends this execution ENDED_SUCCESS with a message. Nothing after it runs. */
  success(message?: string): Promise<never>;
  /** Ends this execution ENDED_ERROR with a message. Nothing after it runs. */
  error(message?: string): Promise<never>;
  /** Writes this execution's own fields: output replaces the output, message and name replace theirs. */
  save(fields: { output?: unknown; message?: string | null; name?: string }): Promise<void>;
  /** Sets one key of the output (the output becomes an object). */
  setOutput(key: string, value: unknown): Promise<void>;
  /** A log line on this execution. */
  log(...values: unknown[]): Promise<void>;

  /** Sleeps; longer sleeps give up the worker and survive restarts (durable). */
  sleep(seconds: number): Promise<void>;
  sleepUntil(time: Date | string | number): Promise<void>;
  /** Waits for children (default ALL_SUCCEEDED: throws DependencyFailedError when one fails). */
  waitFor(children: ExecutionHandle | ExecutionHandle[], options?: { returnWhen?: ReturnWhen }): Promise<ExecutionHandle[]>;
}

interface Setting<Value = any> {
  /** The setting's value; throws ResourceNotFoundError when there is none. */
  get(): Promise<Value>;
  save(value: Value): Promise<void>;
}

/** The platform's records: the second argument of the handler. */
interface System {
  flow(name: string): Promise<{ id: string; name: string; kind: string; version: number }>;
  setting<Value = any>(name: string): Setting<Value>;
  executions(filter?: ExecutionFilter): Promise<Array<Omit<ExecutionHandle, 'run' | 'runAsync' | 'wait' | 'cancel' | 'ended'>>>;
}

/**
 * Errors from the flow API, recognised by name: \`catch (e) { if (e.name === 'DependencyFailedError') ... }\`.
 * - DependencyFailedError: a child the execution depended on failed or was cancelled (e.childId, e.childStatus).
 * - ResourceNotFoundError: the flow, setting or execution named does not exist.
 * - TimeoutExceededError: the execution ran past its flow's timeout.
 * - InvalidArgumentError: a call's arguments were wrong.
 */
interface FlowApiError extends Error {
  name: 'DependencyFailedError' | 'ResourceNotFoundError' | 'TimeoutExceededError' | 'InvalidArgumentError' | string;
  childId?: string;
  childStatus?: ExecutionStatus;
}
`;
