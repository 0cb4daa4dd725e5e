import crypto from 'node:crypto';
import os from 'node:os';
import type { PgBoss } from 'pg-boss';
import type { RunnerContext } from '../api/protocol';
import { callConnector, type ConnectorTarget } from '../connectors/index';
import {
  announce,
  announceAfterCommit,
  EVENTS_CHANNEL,
  listen,
  statusEvent,
  WAKE_CHANNEL,
  type ExecutionEvent,
  type Listener,
} from '../events/events';
import { compileFlowCode, packCompiled, unpackCompiled, type CompiledModule } from '../flows/compile';
import { EXECUTION_QUEUE, sendExecutionJobs, startBoss, type ExecutionJob } from '../queue/boss';
import { ScheduleClock, type ScheduleClockOptions } from '../schedules/clock';
import { createSandboxPool } from '../sandbox/pool';
import type { SandboxOutcome, SandboxPool } from '../sandbox/types';
import { decryptSecret, type SecretKey } from '../secrets/secrets';
import { createDb, type Db } from '../store/db';
import type { Execution, ExecutionError, ExecutionStep } from '../store/database';
import {
  claimExecutions,
  expireClaim,
  mapFenceErrors,
  releaseWorkerLeases,
  renewLeases,
  takeOverdue,
  type EndFields,
} from '../store/executions';
import { getFlowVersion, setCompiled } from '../store/flow-versions';
import { SCHEDULES_CHANNEL } from '../store/triggers';
import { appendRunLogs } from '../store/logs';
import { loadJournal } from '../store/steps';
import { withDbRetry } from './db-retry';
import { EndGroup } from './finish';
import { createHost, type RuntimeServices } from './host/host';
import { replayOrder } from './host/journal';
import { Run } from './run';
import { Slots } from './slots';

export type WorkerOptions = {
  databaseUrl: string;
  /** Executions taken from the queue at once. Synchronous children run inline and take no slot. */
  concurrency: number;
  /**
   * Runner processes held at most: one per slot, the rest for synchronous children run inline
   * (beyond it they are queued and their parents wait durably). Default 2 * concurrency.
   */
  maxRunners?: number;
  /** Levels an execution tree may have below its root. Default 32. */
  maxTreeDepth?: number;
  /** CPU time one run of an execution may use (seconds). Default 60. */
  runCpuSeconds?: number;
  secretKey?: SecretKey;
  /** A pool to share (tests); by default the worker starts its own. */
  pool?: SandboxPool;
  /** How long a claim lasts without a heartbeat: a dead worker's executions move on after this. */
  leaseMs?: number;
  heartbeatMs?: number;
  /** How often to sweep for overdue executions and due delayed jobs when nothing wakes the worker. */
  pollMs?: number;
  /** The schedule clock's options; false: this worker fires no schedule ticks. */
  schedules?: ScheduleClockOptions | false;
  log?: (line: string) => void;
};

const DEFAULTS = { leaseMs: 4000, heartbeatMs: 1000, pollMs: 1000, maxTreeDepth: 32, runCpuSeconds: 60 };

/** The runners a worker may hold: at least one per slot and one for a synchronous child. */
function runnerCeiling(options: WorkerOptions): number {
  return Math.max(options.maxRunners ?? 2 * options.concurrency, options.concurrency + 1);
}

/**
 * A worker: takes execution jobs from the queue, runs each execution's handler in a sandbox runner,
 * carries out its flow API calls, and keeps its claims alive with a heartbeat. See docs/engine.md.
 */
export class Worker implements RuntimeServices {
  readonly workerId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  readonly leaseMs: number;
  readonly maxTreeDepth: number;
  private readonly runCpuSeconds: number;
  /** Synchronous children running inline now, each in a runner beyond the slots' ones, and the most. */
  private inlineRuns = 0;
  private readonly maxInlineRuns: number;
  private readonly heartbeatMs: number;
  private readonly pollMs: number;
  private readonly log: (line: string) => void;
  /** The runs in this process, by execution id AND attempt: a stale run never overwrites its successor. */
  private readonly runs = new Map<string, Run>();
  private readonly modules = new Map<string, Promise<CompiledModule>>();
  private readonly slots: Slots;
  private stopping = false;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private listener: Listener | undefined;
  private clock: ScheduleClock | undefined;
  private ownsPool: boolean;
  private readonly ends = new EndGroup(this);

  private constructor(
    readonly db: Db,
    /** The heartbeat's own connection: renewing leases never waits behind the runs' own statements. */
    private readonly leaseDb: Db,
    readonly boss: PgBoss,
    readonly pool: SandboxPool,
    readonly secretKey: SecretKey | undefined,
    options: WorkerOptions,
    ownsPool: boolean,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULTS.leaseMs;
    this.maxTreeDepth = options.maxTreeDepth ?? DEFAULTS.maxTreeDepth;
    this.runCpuSeconds = options.runCpuSeconds ?? DEFAULTS.runCpuSeconds;
    this.maxInlineRuns = runnerCeiling(options) - options.concurrency;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
    this.pollMs = options.pollMs ?? DEFAULTS.pollMs;
    this.slots = new Slots(options.concurrency);
    this.log = options.log ?? (() => {});
    this.ownsPool = ownsPool;
  }

  static async start(options: WorkerOptions): Promise<Worker> {
    const db = createDb(options.databaseUrl, { max: Math.max(4, Math.min(options.concurrency + 2, 20)) });
    const leaseDb = createDb(options.databaseUrl, { max: 1 });
    const boss = await startBoss(options.databaseUrl, { maintain: true });
    const pool =
      options.pool ??
      (await createSandboxPool({ minIdle: Math.min(options.concurrency, 2), max: runnerCeiling(options) }));
    const worker = new Worker(db, leaseDb, boss, pool, options.secretKey, options, !options.pool);
    if (options.schedules !== false)
      worker.clock = await ScheduleClock.start(
        { db, boss },
        { log: worker.log, ...(options.schedules ?? {}) },
      );
    worker.listener = listen(
      options.databaseUrl,
      [WAKE_CHANNEL, EVENTS_CHANNEL, SCHEDULES_CHANNEL],
      (channel, payload) => worker.onNotification(channel, payload),
      () => {
        worker.signal();
        worker.clock?.arm(); // a save's notification may have been missed while disconnected
      },
    );
    worker.heartbeatTimer = setInterval(() => void worker.heartbeat(), worker.heartbeatMs);
    worker.loopDone = worker.loop();
    worker.log(`worker ${worker.workerId} started (concurrency ${options.concurrency})`);
    return worker;
  }

  /**
   * Stops taking work; running executions get `graceMs` to finish, then are handed back to the queue.
   * The heartbeat goes on until then: no lease of a run still here runs out while it finishes.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.signal();
    await this.loopDone;
    const deadline = Date.now() + (options.graceMs ?? 10_000);
    while (this.runs.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const run of this.runs.values()) {
      run.lost = true;
      run.abort.abort();
    }
    await this.handBack().catch(() => {});
    await this.clock?.stop();
    clearInterval(this.heartbeatTimer);
    await this.listener?.close();
    if (this.ownsPool) await this.pool.close();
    await this.boss.stop({ graceful: false, close: true }).catch(() => {});
    await this.leaseDb.destroy();
    await this.db.destroy();
    this.log(`worker ${this.workerId} stopped`);
  }

  /** Runs in this process (for tests and the benchmark). */
  get runningCount(): number {
    return this.runs.size;
  }

  // ------------------------------------------------------------------ taking work

  private signal(): void {
    this.pendingWake = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private idle(ms: number): Promise<void> {
    if (this.pendingWake || this.stopping) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    let lastSweep = 0;
    while (!this.stopping) {
      this.pendingWake = false;
      if (Date.now() - lastSweep >= this.pollMs) {
        lastSweep = Date.now();
        await this.sweep();
      }
      const wanted = this.slots.jobsWanted();
      if (wanted === 0) {
        await this.idle(this.pollMs);
        continue;
      }
      let jobs: Array<{ id: string; data: ExecutionJob }>;
      try {
        jobs = await this.boss.fetch<ExecutionJob>(EXECUTION_QUEUE, { batchSize: wanted });
      } catch (error) {
        this.log(`fetching jobs failed (retrying): ${(error as Error).message}`);
        await this.idle(500);
        continue;
      }
      if (jobs.length === 0) {
        await this.idle(this.pollMs);
        continue;
      }
      // Never a second claim of an execution this worker still runs or holds: its job is dropped, and
      // should the execution be left without a worker, the sweep queues it again by its deadline.
      const ids = [...new Set(jobs.map((job) => job.data.executionId))].filter(
        (id) => !this.slots.holds(id) && !this.isRunning(id),
      );
      this.slots.beginClaim(ids);
      void this.claim(ids, jobs);
    }
  }

  private async claim(ids: string[], jobs: Array<{ id: string; data: ExecutionJob }>): Promise<void> {
    let claimed: Execution[] = [];
    try {
      claimed = await claimExecutions(this.db, ids, this.workerId, this.leaseMs);
    } catch (error) {
      // The jobs stay (pg-boss retries them once they expire), and the sweep covers their executions.
      this.log(`claiming executions failed: ${(error as Error).message}`);
      this.slots.endClaim(ids, []);
      this.signal();
      return;
    }
    this.slots.endClaim(ids, claimed);
    // Live views learn at once that these run (after the commit, batched: see announceAfterCommit).
    announceAfterCommit(this.db, claimed.map(statusEvent));
    try {
      // Claimed first, completed second: a crash in between leaves a job that a retry (or the sweep) covers.
      await this.boss.complete(
        EXECUTION_QUEUE,
        jobs.map((job) => job.id),
      );
    } catch (error) {
      this.log(`completing jobs failed: ${(error as Error).message}`);
    }
    this.pump();
    this.signal();
  }

  /** Starts ready executions while slots are free. */
  private pump(): void {
    while (!this.stopping) {
      const execution = this.slots.start();
      if (!execution) return;
      void this.execute(execution).finally(() => {
        try {
          this.slots.done();
        } catch (error) {
          this.log(`slots out of step: ${(error as Error).message}`); // a bug, not a reason to die
        }
        this.pump();
        this.signal();
      });
    }
  }

  private isRunning(executionId: string): boolean {
    for (const run of this.runs.values()) if (run.execution.id === executionId) return true;
    return false;
  }

  // ------------------------------------------------------------------ heartbeat, sweep

  private async heartbeat(): Promise<void> {
    const startedAt = Date.now();
    const runs = [...this.runs.values()];
    const ready = this.slots.readyRuns();
    let held: Set<string>;
    try {
      const renewed = await renewLeases(this.leaseDb, this.workerId, this.leaseMs, [
        ...runs.map((run) => ({ id: run.execution.id, attempt: run.attempt })),
        ...ready,
      ]);
      held = new Set(renewed.map((row) => `${row.id}#${row.attempt}`));
    } catch {
      return; // the database is away; the next beat tries again
    }
    for (const run of runs) {
      if (!held.has(run.key) && run.claimedAt < startedAt - 50 && !run.halted) {
        // Ended by someone else (cancelled) or taken over after our lease ran out: stop, write nothing.
        run.lost = true;
        run.abort.abort();
      }
    }
    for (const { id, attempt } of ready) if (!held.has(`${id}#${attempt}`)) this.slots.drop(id);
  }

  /** Queues executions past their deadline again (see takeOverdue): nothing that must run is left behind. */
  private async sweep(): Promise<void> {
    try {
      const running = [...new Set([...this.runs.values()].map((run) => run.execution.id))];
      const ids = await this.db.transaction().execute(async (trx) => {
        const overdue = await takeOverdue(trx, [...running, ...this.slots.heldIds()]);
        await sendExecutionJobs(this.boss, trx, overdue);
        return overdue;
      });
      if (ids.length > 0) {
        announceAfterCommit(this.db, [], true);
        this.log(`queued ${ids.length} overdue execution(s) again`);
      }
    } catch (error) {
      this.log(`sweeping failed (retrying): ${(error as Error).message}`);
    }
  }

  private async handBack(): Promise<void> {
    const ids = await this.db.transaction().execute(async (trx) => {
      const released = await releaseWorkerLeases(trx, this.workerId);
      await sendExecutionJobs(this.boss, trx, released);
      return released;
    });
    // Sent at once (not in the background): the database closes right after.
    if (ids.length > 0) await announce(this.db, [], true);
  }

  private onNotification(channel: string, payload: string): void {
    if (channel === WAKE_CHANNEL) {
      this.signal();
      return;
    }
    if (channel === SCHEDULES_CHANNEL) {
      this.clock?.arm();
      return;
    }
    let event: ExecutionEvent;
    try {
      event = JSON.parse(payload) as ExecutionEvent;
    } catch {
      return;
    }
    if (event.status !== 'ENDED_CANCELLED') return;
    this.slots.drop(event.id);
    for (const run of this.runs.values()) {
      if (run.execution.id === event.id && !run.halted) {
        run.cancelled = true;
        run.abort.abort();
      }
    }
  }

  scheduleWake(at: number): void {
    const timer = setTimeout(() => this.signal(), Math.max(0, at - Date.now()) + 20);
    timer.unref();
  }

  // ------------------------------------------------------------------ running here, without the queue

  /**
   * Takes one of this worker's slots for an execution that the caller will create already claimed by
   * this worker (StartMode `inline`) and hand to `runReserved`; false when every slot is busy. The
   * web process uses it for requests that wait for their execution: run it right there, skipping the
   * queue's wake-up, fetch and claim, as synchronous children do.
   */
  reserveSlot(): boolean {
    return !this.stopping && this.slots.reserve();
  }

  /** Gives back a reserved slot whose execution could not be created. */
  releaseSlot(): void {
    this.slots.done();
    this.pump();
  }

  /**
   * Runs an execution created claimed by this worker in a reserved slot: the ended row, if it ended,
   * and whether it can have children (the caller answering with them need not look when it cannot).
   */
  async runReserved(
    execution: Execution,
  ): Promise<{ ended: Execution | undefined; mayHaveChildren: boolean }> {
    try {
      const run = await this.execute(execution);
      return { ended: run?.ended, mayHaveChildren: run?.mayHaveChildren ?? true };
    } finally {
      this.releaseSlot();
      this.signal();
    }
  }

  reserveInlineRun(): boolean {
    if (this.inlineRuns >= this.maxInlineRuns) return false;
    this.inlineRuns++;
    return true;
  }

  releaseInlineRun(): void {
    this.inlineRuns--;
  }

  /** A synchronous child, created claimed by this worker: run at once, inside its parent's slot. */
  async runInline(execution: Execution): Promise<Execution | undefined> {
    try {
      return (await this.execute(execution))?.ended;
    } finally {
      this.releaseInlineRun();
    }
  }

  /**
   * Runs a claimed execution until it ends, suspends, is cancelled or lost. Never throws. Returns the
   * run (its `ended` row, when this run ended it), or undefined when it was not started.
   */
  private async execute(execution: Execution): Promise<Run | undefined> {
    const run = new Run(execution, execution.attempts);
    if (this.runs.has(run.key)) {
      // Never happens: a claim bumps the attempt, and this worker never claims what it runs.
      this.log(`run ${run.key} is already running in this worker: not started again`);
      return undefined;
    }
    this.runs.set(run.key, run);
    try {
      if (execution.type === 'CONNECTION') await this.runConnection(run);
      else await this.runCode(run);
    } catch (error) {
      this.log(`execution ${execution.id} failed in the engine: ${(error as Error).stack ?? String(error)}`);
      await this.finish(run, {
        status: 'ENDED_ERROR',
        message: `internal error: ${(error as Error).message}`,
        error: { name: 'EngineError', message: (error as Error).message },
      }).catch(() => {});
    } finally {
      this.runs.delete(run.key);
    }
    return run;
  }

  private async runCode(run: Run): Promise<void> {
    const execution = run.execution;
    let compiledModule: CompiledModule;
    try {
      compiledModule = await this.loadModule(execution);
    } catch (error) {
      await this.finish(run, {
        status: 'ENDED_ERROR',
        message: (error as Error).message,
        error: { name: (error as Error).name, message: (error as Error).message },
      });
      return;
    }
    // A first attempt has no journal yet: skip the query (the fast path for fresh children).
    const recorded: ReadonlyMap<number, ExecutionStep> =
      execution.attempts > 1 ? await loadJournal(this.db, execution.id) : new Map();
    const context: RunnerContext = {
      executionId: execution.id,
      input: execution.input ?? null,
      name: execution.name,
      rootId: execution.root_id,
      parentId: execution.parent_id,
      isProductive: execution.is_productive,
      seed: execution.seed ?? undefined,
      startedAt: (execution.started_at ?? execution.created_at).getTime(),
      replay: replayOrder(recorded),
      // A webhook call's or a schedule tick's FLOW execution names the trigger node that fired in its node_id.
      trigger: ['webhook', 'schedule'].includes(execution.started_by.kind) ? execution.node_id : null,
    };
    const sourceName =
      execution.type === 'SCRIPT' ? `script-${execution.id.slice(0, 8)}.ts` : `${execution.name}.ts`;
    const host = createHost(run, this, recorded);
    const outcome = await this.pool.run(
      {
        code: compiledModule.code,
        sourceMap: compiledModule.sourceMap || undefined,
        sourceName,
        context,
        timeoutMs: execution.timeout_seconds * 1000,
        cpuLimitMs: this.runCpuSeconds * 1000,
      },
      host,
      { signal: run.abort.signal },
    );
    if (!run.halted || run.endIntent) await host.flush();
    await this.settle(run, outcome, host.journal.unreachedSteps());
  }

  private async settle(
    run: Run,
    outcome: SandboxOutcome,
    unreached: ExecutionError | undefined,
  ): Promise<void> {
    if (run.handBack && !run.lost && !run.cancelled) {
      // Its lease is given up at once: the sweep queues it again, and the replay finds the journal whole.
      await withDbRetry(() => expireClaim(this.db, run.execution.id, run.attempt));
      return;
    }
    if (run.lost || run.cancelled || run.suspended) return;
    if (run.endIntent) {
      const error = run.endIntent.error;
      // The user's line, where user code let a NondeterminismError through.
      const stack = !outcome.ok && outcome.error.name === error?.name ? outcome.error.stack : undefined;
      await this.finish(run, {
        status: run.endIntent.status,
        message: run.endIntent.message,
        error: error ? { ...error, ...(stack ? { stack } : {}) } : null,
      });
      return;
    }
    if (outcome.ok && unreached) {
      await this.finish(run, {
        status: 'ENDED_ERROR',
        message: `${unreached.name}: ${unreached.message}`,
        error: unreached,
      });
      return;
    }
    if (outcome.ok) {
      await this.finish(run, {
        status: 'ENDED_SUCCESS',
        ...(outcome.value !== undefined && outcome.value !== null ? { output: outcome.value } : {}),
      });
      return;
    }
    await this.finish(run, {
      status: 'ENDED_ERROR',
      ...describeFailure(outcome, run.execution, this.runCpuSeconds),
    });
  }

  /** Every end of every execution goes through an EndGroup: one path, one wake rule. */
  private async finish(run: Run, fields: EndFields): Promise<void> {
    run.ended = await this.ends.end(run.execution, run.attempt, fields);
  }

  private async runConnection(run: Run): Promise<void> {
    const execution = run.execution;
    const sealed = (execution.code as { sealed?: string } | null)?.sealed;
    if (!this.secretKey || !sealed) {
      const message = 'this worker cannot run connections (no secret key)';
      await this.finish(run, { status: 'ENDED_ERROR', message, error: { name: 'ConnectorError', message } });
      return;
    }
    const call = decryptSecret(this.secretKey, sealed) as { target: ConnectorTarget; input: unknown };
    // A connector call is stopped at its timeout as a handler is: the call is aborted (a connector
    // that does not listen to its signal is no longer waited for) and the execution ends with it.
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), execution.timeout_seconds * 1000);
    const signal = AbortSignal.any([run.abort.signal, timeout.signal]);
    try {
      const output = await untilAborted(
        callConnector({
          db: this.db,
          secretKey: this.secretKey,
          target: call.target,
          input: call.input,
          signal,
          log: (message, data) =>
            void mapFenceErrors(() =>
              appendRunLogs(this.db, run.fence, [{ level: 'info', message, data }]),
            ).catch(() => {}),
        }),
        signal,
      );
      if (run.lost || run.cancelled) return;
      await this.finish(run, { status: 'ENDED_SUCCESS', output });
    } catch (error) {
      if (run.lost || run.cancelled) return;
      if (timeout.signal.aborted) {
        const message = `the execution ran longer than its timeout of ${execution.timeout_seconds} s and was stopped`;
        await this.finish(run, {
          status: 'ENDED_ERROR',
          message,
          error: { name: 'TimeoutExceededError', message },
        });
        return;
      }
      const { name, message } = error as Error;
      await this.finish(run, { status: 'ENDED_ERROR', message, error: { name, message } });
    } finally {
      clearTimeout(timer);
    }
  }

  private loadModule(execution: Execution): Promise<CompiledModule> {
    if (execution.type === 'SCRIPT') {
      const compiled = (execution.code as { compiled?: string } | null)?.compiled;
      if (!compiled) return Promise.reject(new Error('the script has no code'));
      return Promise.resolve(unpackCompiled(compiled));
    }
    if (!execution.flow_id || execution.flow_version === null) {
      return Promise.reject(new Error(`execution ${execution.id} names no flow version to run`));
    }
    const key = `${execution.flow_id}@${execution.flow_version}`;
    let compiledModule = this.modules.get(key);
    if (!compiledModule) {
      compiledModule = this.compileVersion(execution.flow_id, execution.flow_version, execution.name);
      this.modules.set(key, compiledModule);
      compiledModule.catch(() => this.modules.delete(key));
    }
    return compiledModule;
  }

  private async compileVersion(flowId: string, version: number, name: string): Promise<CompiledModule> {
    const row = await getFlowVersion(this.db, flowId, version);
    if (!row) throw new Error(`version ${version} of flow '${name}' no longer exists`);
    if (row.compiled) return unpackCompiled(row.compiled);
    // A graph version holds its compiled module as code too, so both kinds compile the same way.
    if (row.code === null) {
      throw new Error(`flow '${name}' version ${version} has no code to run`);
    }
    const compiled = await compileFlowCode(row.code, `${name}.ts`);
    await setCompiled(this.db, flowId, version, packCompiled(compiled));
    return compiled;
  }
}

/** The work's result, or a rejection as soon as the signal aborts (whether or not the work listens to it). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describeFailure(
  outcome: Extract<SandboxOutcome, { ok: false }>,
  execution: Execution,
  cpuSeconds: number,
): { message: string; error: ExecutionError } {
  const error = outcome.error;
  if (outcome.reason === 'timeout') {
    const message =
      error.name === 'CpuTimeExceededError'
        ? `the execution used more than its CPU time limit of ${cpuSeconds} s (FLOWLINE_RUN_CPU_SECONDS) and was stopped`
        : `the execution ran longer than its timeout of ${execution.timeout_seconds} s and was stopped`;
    return { message, error: { name: 'TimeoutExceededError', message } };
  }
  return {
    message: `${error.name}: ${error.message}`,
    error: { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) },
  };
}
