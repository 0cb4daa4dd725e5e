import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { resolveConnectorCall, type ConnectorTarget } from '../connectors/index';
import { UserError } from '../errors';
import { announceAfterCommit, statusEvent } from '../events/events';
import { FlowSyntaxError, compileFlowCode, packCompiled } from '../flows/compile';
import { sendExecutionJob } from '../queue/boss';
import { finishExecution, conditionMet, cancelExecution } from '../runtime/finish';
import type { Run } from '../runtime/run';
import { snapshotOf } from '../runtime/snapshot';
import { withDbRetry } from '../runtime/db-retry';
import {
  startExecution,
  startExecutions,
  StepAlreadyRecordedError,
  type StartExecutionRequest,
} from '../runtime/start';
import { SandboxSuspend } from '../sandbox/suspend';
import type { SandboxHost } from '../sandbox/types';
import { encryptSecret, type SecretKey } from '../secrets/secrets';
import type { Db } from '../store/db';
import { EXECUTION_STATUSES, type Execution, type ExecutionStatus, type LogLevel } from '../store/database';
import {
  claimExecution,
  countChildStates,
  getExecution,
  getExecutions,
  isEnded,
  listExecutions,
  saveOwnFields,
  setOutputKey,
  lockWaiter,
  suspendExecution,
  type WaitCondition,
} from '../store/executions';
import { findRunnableFlow } from '../store/flow-versions';
import { FlowNotFoundError } from '../store/flows';
import { appendLog } from '../store/logs';
import { getSetting, saveSetting } from '../store/settings';
import { completeStep, recordStep } from '../store/steps';
import type { ExecutionSnapshot, WireError } from './protocol';

/** What the worker lends the flow API for one run. */
export interface RuntimeServices {
  db: Db;
  boss: PgBoss;
  workerId: string;
  leaseMs: number;
  secretKey: SecretKey | undefined;
  /** Runs an execution this worker has claimed, in-process, until it ends or suspends. */
  /**
   * Runs an execution this worker has claimed, in-process, until it ends or suspends. `parentStep`:
   * the parent's journal step that waits for it in this worker. Returns the ended row, if it ended.
   */
  runInline(
    execution: Execution,
    parentStep?: { executionId: string; seq: number },
  ): Promise<Execution | undefined>;
  /** Makes sure the worker looks for due jobs at `at` (a durable sleep ends). */
  scheduleWake(at: number): void;
}

/** Children collected before they are written in one transaction (see flushChildren). */
const MAX_PENDING_CHILDREN = 500;
const FLUSH_QUIET_MS = 5;

/** Sleeps shorter than this keep their worker (cheaper than suspending and replaying). */
const INLINE_SLEEP_MS = 1000;

const childOptions = z
  .object({
    wait: z.boolean().optional(),
    run: z.boolean().optional(),
    name: z.string().min(1).max(200).optional(),
    nodeId: z.string().max(200).optional(),
  })
  .strict();

const returnWhen = z.enum(['ALL_SUCCEEDED', 'ALL_ENDED', 'FIRST_ENDED']);
const statuses = z.enum(EXECUTION_STATUSES);

/** Every message from a runner is untrusted input: each method's payload has a schema. */
const payloads = {
  log: z.object({ level: z.enum(['debug', 'info', 'warn', 'error']), args: z.array(z.unknown()) }),
  save: z
    .object({
      output: z.unknown().optional(),
      message: z.string().nullable().optional(),
      name: z.string().min(1).max(200).optional(),
    })
    .strict(),
  setOutput: z.object({ key: z.string().min(1).max(200), value: z.unknown() }),
  end: z.object({ status: z.enum(['ENDED_SUCCESS', 'ENDED_ERROR']), message: z.string().nullable() }),
  'child.start': z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('flow'), flow: z.string().min(1), input: z.unknown(), options: childOptions }),
    z.object({
      kind: z.literal('connect'),
      connection: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
      input: z.unknown(),
      options: childOptions,
    }),
    z.object({ kind: z.literal('script'), source: z.string(), input: z.unknown(), options: childOptions }),
  ]),
  'child.run': z.object({ id: z.uuid(), wait: z.boolean() }),
  'child.wait': z.object({ id: z.uuid() }),
  'child.cancel': z.object({ id: z.uuid() }),
  waitFor: z.object({ ids: z.array(z.uuid()).min(1).max(100_000), returnWhen }),
  sleep: z.union([
    z.object({
      seconds: z
        .number()
        .min(0)
        .max(10 * 365 * 24 * 3600),
    }),
    z.object({ until: z.number().int() }),
  ]),
  'setting.get': z.object({ name: z.string().min(1).max(200) }),
  'setting.save': z.object({ name: z.string().min(1).max(200), value: z.unknown() }),
  'system.flow': z.object({ name: z.string().min(1) }),
  'system.executions': z
    .object({
      flow: z.string().optional(),
      status: z.union([statuses, z.array(statuses)]).optional(),
      type: z.enum(['FLOW', 'SCRIPT', 'CONNECTION', 'SCHEDULE', 'WEBHOOK']).optional(),
      parentId: z.uuid().optional(),
      rootId: z.uuid().optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    })
    .strict(),
} as const;

type Method = keyof typeof payloads;

/** A flow API error for user code (becomes the class of that name in the runner). */
class ApiError extends Error {
  constructor(
    name: string,
    message: string,
    readonly extra: Partial<WireError> = {},
  ) {
    super(message);
    this.name = name;
  }
  toWire(): WireError {
    return { name: this.name, message: this.message, ...this.extra };
  }
}

/** Stops the handler: the run suspended, ended, was cancelled or lost its lease (see Run). */
function halt(): never {
  throw new SandboxSuspend('halt');
}

type Answer = { ok: true; value: unknown } | { ok: false; error: WireError };
const ok = (value: unknown): Answer => ({ ok: true, value: value ?? null });
const fail = (error: WireError): Answer => ({ ok: false, error });

function dependencyFailed(child: Execution): WireError {
  const reason =
    child.status === 'ENDED_CANCELLED'
      ? 'was cancelled'
      : `failed: ${child.error?.message ?? child.message ?? 'no message'}`;
  return {
    name: 'DependencyFailedError',
    message: `child execution '${child.name}' (${child.id}) ${reason}`,
    childId: child.id,
    childStatus: child.status,
  };
}

/** The worker side of the flow API for one run: what each `host.call(method, args)` does. */
export function createHost(run: Run, services: RuntimeServices): SandboxHost & { flush(): Promise<void> } {
  const { db, boss } = services;
  const self = run.execution;

  /**
   * Children started with `{ wait: false }` or `{ run: false }`, not yet written. A fan-out of a thousand
   * children becomes a few transactions instead of a thousand. They are written (with their journal
   * steps, in one transaction) before any other call of this run is answered, before the run ends or
   * suspends, and after a short quiet moment: so nothing outside this run can have seen a child that
   * does not exist yet, and a crash before the write loses only children nobody has seen (the replay
   * creates them again under the same journal numbers).
   */
  let pendingChildren: Array<StartExecutionRequest & { id: string }> = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let flushFailure: unknown;

  let flushing: Promise<void> = Promise.resolve();

  /** Writes the collected children; resolves once every child handed out so far exists. */
  async function flushChildren(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (pendingChildren.length > 0) {
      const batch = pendingChildren;
      pendingChildren = [];
      // Batches are written one after another, in the order user code started them.
      flushing = flushing.then(() => withDbRetry(() => startExecutions({ db, boss }, batch)));
      flushing.catch((error: unknown) => {
        flushFailure ??= error;
      });
    }
    await flushing.catch(() => {});
    if (flushFailure) {
      if (flushFailure instanceof StepAlreadyRecordedError) {
        run.handBack = true;
        halt();
      }
      throw flushFailure;
    }
  }

  function scheduleFlush(): void {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = setTimeout(() => {
      flushTimer = undefined;
      flushChildren().catch(() => {}); // a failure is kept in flushFailure for the next call
    }, FLUSH_QUIET_MS);
  }

  // One run sees one version of each flow it starts (and looks each name up once).
  const flows = new Map<string, ReturnType<typeof findRunnableFlow>>();
  function resolveFlow(name: string) {
    let flow = flows.get(name);
    if (!flow) {
      flow = findRunnableFlow(db, { name });
      flows.set(name, flow);
    }
    return flow;
  }

  async function recordDone(seq: number, kind: string, request: unknown, result: Answer): Promise<Answer> {
    await recordStep(db, {
      executionId: self.id,
      seq,
      kind,
      request,
      status: result.ok ? 'SUCCEEDED' : 'FAILED',
      result: result.ok ? result.value : result.error,
    });
    return result;
  }

  /** Gives up the worker until the condition holds. Returns only if it already holds (check again). */
  async function suspend(condition: WaitCondition): Promise<void> {
    const outcome = await db.transaction().execute(async (trx) => {
      let remaining: number | null = null;
      if (condition.kind === 'children') {
        // Counted under our waiter lock, taken exclusively: a child ending meanwhile holds it shared,
        // so it either committed before this count (and is counted) or ends after we are WAITING
        // (and counts us down). No wake-up is lost, none is doubled.
        await lockWaiter(trx, self.id, 'exclusive');
        const counts = await countChildStates(trx, condition.ids);
        if (conditionMet(condition, counts)) return 'met' as const;
        remaining = counts.unended;
      }
      if (!(await suspendExecution(trx, self.id, run.attempt, condition, remaining))) return 'lost' as const;
      if (condition.kind === 'sleep') await sendExecutionJob(boss, trx, self.id, new Date(condition.until));
      return 'suspended' as const;
    });
    if (outcome === 'met') return;
    if (outcome === 'suspended') announceAfterCommit(db, statusEvent({ ...self, status: 'WAITING' }));
    if (outcome === 'lost') {
      run.lost = true;
      halt();
    }
    run.suspended = true;
    if (condition.kind === 'sleep') services.scheduleWake(condition.until);
    halt();
  }

  /** Waits for one child the parent depends on; its failure is a DependencyFailedError. */
  async function awaitChild(seq: number, childId: string, endedInline?: Execution): Promise<Answer> {
    // Ended successfully in this worker: the fast path already completed our step.
    if (endedInline?.status === 'ENDED_SUCCESS') return ok(snapshotOf(endedInline));
    for (;;) {
      const child = await getExecution(db, childId);
      if (!child)
        return fail({ name: 'ResourceNotFoundError', message: `execution ${childId} does not exist` });
      if (isEnded(child.status)) {
        const result =
          child.status === 'ENDED_SUCCESS' ? ok(snapshotOf(child)) : fail(dependencyFailed(child));
        await completeStep(
          db,
          self.id,
          seq,
          result.ok ? 'SUCCEEDED' : 'FAILED',
          result.ok ? result.value : result.error,
        );
        return result;
      }
      await suspend({ kind: 'children', ids: [childId], returnWhen: 'ALL_ENDED' });
    }
  }

  async function ownChildren(ids: string[]): Promise<Execution[]> {
    const children = await getExecutions(db, ids);
    const byId = new Map(children.map((child) => [child.id, child]));
    for (const id of ids) {
      const child = byId.get(id);
      if (!child || child.parent_id !== self.id) {
        throw new ApiError('ResourceNotFoundError', `execution ${id} is not a child of this execution`);
      }
    }
    return ids.map((id) => byId.get(id) as Execution);
  }

  async function startChild(
    seq: number,
    request: z.infer<(typeof payloads)['child.start']>,
  ): Promise<Answer> {
    const options = request.options;
    const start: StartExecutionRequest = {
      input: request.input,
      name: options.name,
      nodeId: options.nodeId ?? null,
      startedBy: { kind: 'parent', id: self.id },
    };
    if (request.kind === 'flow') {
      start.flow = { name: request.flow };
      start.resolvedFlow = await resolveFlow(request.flow);
    } else if (request.kind === 'script') {
      start.type = 'SCRIPT';
      start.name = options.name ?? 'script';
      try {
        start.code = { compiled: packCompiled(await compileFlowCode(request.source, 'script.ts')) };
      } catch (error) {
        if (error instanceof FlowSyntaxError) throw new ApiError('SyntaxError', `script: ${error.message}`);
        throw error;
      }
      start.timeoutSeconds = self.timeout_seconds;
    } else {
      if (!services.secretKey)
        throw new ApiError('ConnectorError', 'connections are not available on this worker');
      const target = request.connection as ConnectorTarget;
      const resolved = await resolveConnectorCall({
        db,
        secretKey: services.secretKey,
        target,
        input: request.input ?? {},
      });
      start.type = 'CONNECTION';
      start.name = options.name ?? resolved.connectionName ?? resolved.definition.type;
      start.input = resolved.redactedInput;
      // The call as written (it may hold ad-hoc secrets) is kept sealed, for a re-run after a crash.
      start.code = { sealed: encryptSecret(services.secretKey, { target, input: request.input ?? {} }) };
    }
    const inline = options.run !== false && options.wait !== false;
    start.mode = options.run === false ? { kind: 'created' } : inline ? inlineMode() : { kind: 'queue' };
    start.parent = {
      id: self.id,
      rootId: self.root_id,
      isProductive: self.is_productive,
      step: { seq, kind: 'child.start', request, status: inline ? 'STARTED' : 'SUCCEEDED' },
    };
    if (!inline) {
      if (request.kind === 'flow' && !start.resolvedFlow) {
        throw new ApiError('ResourceNotFoundError', `flow '${request.flow}' does not exist`);
      }
      // Collected and created in batches (see flushChildren): user code goes on at once.
      const id = crypto.randomUUID();
      const type = start.type ?? 'FLOW';
      pendingChildren.push({ ...start, id });
      if (pendingChildren.length >= MAX_PENDING_CHILDREN) await flushChildren();
      else scheduleFlush();
      return ok({
        id,
        type,
        name: start.name ?? start.resolvedFlow?.name ?? type.toLowerCase(),
        status: 'PENDING',
        output: null,
        message: null,
        error: null,
      } satisfies ExecutionSnapshot);
    }
    await flushChildren();
    let child: Execution;
    try {
      child = await startExecution({ db, boss }, start);
    } catch (error) {
      if (error instanceof StepAlreadyRecordedError) {
        run.handBack = true;
        halt();
      }
      throw error;
    }
    const ended = await services.runInline(child, { executionId: self.id, seq });
    return awaitChild(seq, child.id, ended);
  }

  function inlineMode() {
    return { kind: 'inline' as const, workerId: services.workerId, leaseMs: services.leaseMs };
  }

  async function runCreatedChild(seq: number, request: { id: string; wait: boolean }): Promise<Answer> {
    const [child] = await ownChildren([request.id]);
    if (!child || child.status !== 'PENDING' || child.started_at) {
      throw new ApiError('InvalidArgumentError', `run(): execution ${request.id} has already been started`);
    }
    if (!request.wait) {
      await db.transaction().execute(async (trx) => {
        await sendExecutionJob(boss, trx, child.id);
        await recordStep(trx, {
          executionId: self.id,
          seq,
          kind: 'child.run',
          request,
          status: 'SUCCEEDED',
          result: snapshotOf(child),
          childId: child.id,
        });
      });
      announceAfterCommit(db, [], true);
      return ok(snapshotOf(child));
    }
    const claimed = await db.transaction().execute(async (trx) => {
      const row = await claimExecution(trx, child.id, services.workerId, services.leaseMs);
      if (!row) return undefined;
      await recordStep(trx, {
        executionId: self.id,
        seq,
        kind: 'child.run',
        request,
        status: 'STARTED',
        childId: child.id,
      });
      return row;
    });
    if (claimed) announceAfterCommit(db, statusEvent(claimed));
    if (!claimed)
      throw new ApiError('InvalidArgumentError', `run(): execution ${request.id} has already been started`);
    const ended = await services.runInline(claimed, { executionId: self.id, seq });
    return awaitChild(seq, claimed.id, ended);
  }

  async function waitForChildren(
    seq: number,
    kind: string,
    request: unknown,
    ids: string[],
    mode: 'ALL_SUCCEEDED' | 'ALL_ENDED' | 'FIRST_ENDED',
    single: boolean,
  ): Promise<Answer> {
    await ownChildren(ids);
    const condition: WaitCondition = { kind: 'children', ids, returnWhen: mode };
    for (;;) {
      const counts = await countChildStates(db, ids);
      if (conditionMet(condition, counts)) {
        const children = await getExecutions(db, ids);
        const byId = new Map(children.map((child) => [child.id, child]));
        const ordered = ids.map((id) => byId.get(id) as Execution);
        const failed = ordered.find((child) => isEnded(child.status) && child.status !== 'ENDED_SUCCESS');
        let result: Answer;
        if (failed && mode === 'ALL_SUCCEEDED') result = fail(dependencyFailed(failed));
        else result = ok(single ? snapshotOf(ordered[0] as Execution) : ordered.map(snapshotOf));
        return recordDone(seq, kind, request, result);
      }
      await suspend(condition);
    }
  }

  async function sleep(seq: number, request: z.infer<(typeof payloads)['sleep']>): Promise<Answer> {
    const recorded = run.journal.get(seq);
    let until: number;
    if (recorded) {
      until = (recorded.request as { until: number }).until;
    } else {
      until = 'until' in request ? request.until : Date.now() + request.seconds * 1000;
      if (until - Date.now() > INLINE_SLEEP_MS) {
        await recordStep(db, {
          executionId: self.id,
          seq,
          kind: 'sleep',
          request: { until },
          status: 'STARTED',
        });
      }
    }
    const remaining = until - Date.now();
    if (remaining > INLINE_SLEEP_MS) await suspend({ kind: 'sleep', until });
    if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
    // Short sleeps are not journaled: a replay simply sleeps that short time again.
    if (recorded) await completeStep(db, self.id, seq, 'SUCCEEDED', null);
    return ok(null);
  }

  async function dispatch(method: Method, seq: number, payload: unknown): Promise<Answer> {
    const parsed = payloads[method].safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
      return fail({
        name: 'InvalidArgumentError',
        message: `${method}: ${issue?.message ?? 'invalid arguments'}${where}`,
      });
    }
    const request = parsed.data as never;
    if (method !== 'child.start') await flushChildren();
    const recorded = run.journal.get(seq);
    if (recorded && recorded.kind !== method && !(method === 'sleep' && recorded.kind === 'sleep')) {
      run.endIntent = {
        status: 'ENDED_ERROR',
        message: `the flow's code changed its course on replay: call ${seq} was ${recorded.kind} and is now ${method}`,
        error: {
          name: 'NondeterminismError',
          message: `call ${seq} was ${recorded.kind} when it first ran and is ${method} now: a flow must call the flow API in the same order every time it runs (see docs/engine.md)`,
        },
      };
      halt();
    }
    if (recorded && recorded.status !== 'STARTED') {
      return recorded.status === 'SUCCEEDED' ? ok(recorded.result) : fail(recorded.result as WireError);
    }

    switch (method) {
      case 'log': {
        const { level, args } = parsed.data as z.infer<(typeof payloads)['log']>;
        const message = args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
        const added = await appendLog(db, { executionId: self.id, seq, level: level as LogLevel, message });
        if (added) announceAfterCommit(db, { ...statusEvent(self), status: 'RUNNING', kind: 'log' });
        return ok(null);
      }
      case 'save': {
        await saveOwnFields(db, self.id, run.attempt, parsed.data as z.infer<(typeof payloads)['save']>);
        return ok(null);
      }
      case 'setOutput': {
        const { key, value } = parsed.data as z.infer<(typeof payloads)['setOutput']>;
        await setOutputKey(db, self.id, run.attempt, key, value);
        return ok(null);
      }
      case 'end': {
        const { status, message } = parsed.data as z.infer<(typeof payloads)['end']>;
        run.endIntent = {
          status,
          message,
          ...(status === 'ENDED_ERROR'
            ? { error: { name: 'FlowError', message: message ?? 'the flow ended with an error' } }
            : {}),
        };
        halt();
        break;
      }
      case 'child.start': {
        if (recorded) return awaitChild(seq, recorded.child_id as string);
        return startChild(seq, request);
      }
      case 'child.run': {
        if (recorded) return awaitChild(seq, recorded.child_id as string);
        return runCreatedChild(seq, request);
      }
      case 'child.wait': {
        const { id } = parsed.data as { id: string };
        return waitForChildren(seq, method, request, [id], 'ALL_SUCCEEDED', true);
      }
      case 'child.cancel': {
        const { id } = parsed.data as { id: string };
        await ownChildren([id]);
        await cancelExecution({ db, boss }, id);
        const child = (await getExecution(db, id)) as Execution;
        return recordDone(seq, method, request, ok(snapshotOf(child)));
      }
      case 'waitFor': {
        const { ids, returnWhen: mode } = parsed.data as z.infer<(typeof payloads)['waitFor']>;
        return waitForChildren(seq, method, request, ids, mode, false);
      }
      case 'sleep':
        return sleep(seq, request);
      case 'setting.get': {
        const { name } = parsed.data as { name: string };
        const setting = await getSetting(db, name);
        const result = setting
          ? ok(setting.value)
          : fail({ name: 'ResourceNotFoundError', message: `setting '${name}' does not exist` });
        return recordDone(seq, method, request, result);
      }
      case 'setting.save': {
        const { name, value } = parsed.data as { name: string; value: unknown };
        await saveSetting(db, name, value);
        return recordDone(seq, method, request, ok(null));
      }
      case 'system.flow': {
        const { name } = parsed.data as { name: string };
        const flow = await findRunnableFlow(db, { name });
        const result = flow
          ? ok({ id: flow.id, name: flow.name, kind: flow.kind, version: flow.version })
          : fail({ name: 'ResourceNotFoundError', message: `flow '${name}' does not exist` });
        return recordDone(seq, method, request, result);
      }
      case 'system.executions': {
        const filter = parsed.data as z.infer<(typeof payloads)['system.executions']>;
        let flowId: string | undefined;
        if (filter.flow) {
          const flow = await findRunnableFlow(db, { name: filter.flow });
          if (!flow) {
            return recordDone(
              seq,
              method,
              request,
              fail({ name: 'ResourceNotFoundError', message: `flow '${filter.flow}' does not exist` }),
            );
          }
          flowId = flow.id;
        }
        const rows = await listExecutions(db, {
          flowId,
          status: filter.status === undefined ? undefined : ([] as ExecutionStatus[]).concat(filter.status),
          type: filter.type,
          parentId: filter.parentId,
          rootId: filter.rootId,
          limit: filter.limit,
        });
        return recordDone(seq, method, request, ok(rows.map(snapshotOf)));
      }
    }
    return fail({ name: 'InvalidArgumentError', message: `unknown flow API call '${method}'` });
  }

  /** One flow API call from the runner: validated, journaled and carried out by `dispatch`. */
  async function handleCall(method: string, args: unknown[]): Promise<unknown> {
    if (run.halted) halt();
    const [seq, payload] = args;
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) {
      return fail({ name: 'InvalidArgumentError', message: 'malformed flow API call' });
    }
    if (!Object.hasOwn(payloads, method)) {
      return fail({ name: 'InvalidArgumentError', message: `unknown flow API call '${method}'` });
    }
    try {
      // Through a PostgreSQL restart a call waits and tries again: every write it makes is a
      // transaction or idempotent (journal rows are unique per step).
      const result = await withDbRetry(() => dispatch(method as Method, seq, payload));
      if (run.halted) halt();
      return result;
    } catch (error) {
      if (error instanceof SandboxSuspend) throw error;
      if (run.halted) halt();
      if (error instanceof ApiError) return fail(error.toWire());
      if (error instanceof FlowNotFoundError)
        return fail({ name: 'ResourceNotFoundError', message: error.message });
      if (error instanceof UserError) return fail({ name: error.name, message: error.message });
      throw error;
    }
  }

  const inFlight = new Set<Promise<unknown>>();

  return {
    /**
     * The worker calls it when the handler returns: calls user code started without awaiting them
     * (`this.setOutput(...)` before `return this.success()`) complete first, then the children still
     * collected are written, so the execution ends with every effect its code asked for.
     */
    async flush() {
      // Only for a run that is still this worker's to end: a lost, cancelled or handed-back run writes
      // nothing more, and must not wait on calls that may be retrying through a database outage.
      if (!run.lost && !run.cancelled && !run.suspended && !run.handBack) {
        await Promise.allSettled([...inFlight]);
      }
      try {
        await flushChildren();
      } catch (error) {
        if (!(error instanceof SandboxSuspend)) throw error;
      }
    },
    call(method: string, args: unknown[]): Promise<unknown> {
      const call = handleCall(method, args);
      inFlight.add(call);
      void call.catch(() => {}).finally(() => inFlight.delete(call));
      return call;
    },
    onConsole(level, text) {
      void appendLog(db, { executionId: self.id, level, message: text }).catch(() => {});
    },
  };
}

/** Ends an execution the engine gives up on (e.g. its code cannot be loaded). */
export async function failExecution(
  services: Pick<RuntimeServices, 'db' | 'boss'>,
  execution: Execution,
  attempt: number,
  error: { name: string; message: string; stack?: string },
): Promise<void> {
  await finishExecution(services, execution, attempt, {
    status: 'ENDED_ERROR',
    message: error.message,
    error,
  });
}

export type { ExecutionSnapshot };
