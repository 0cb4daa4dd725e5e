import crypto from 'node:crypto';
import os from 'node:os';
import type { PgBoss } from 'pg-boss';
import { createHost, failExecution, type RuntimeServices } from '../api/host';
import type { RunnerContext } from '../api/protocol';
import { callConnector, type ConnectorTarget } from '../connectors/index';
import {
  announce,
  announceAfterCommit,
  EVENTS_CHANNEL,
  listen,
  WAKE_CHANNEL,
  type ExecutionEvent,
  type Listener,
} from '../events/events';
import { compileFlowCode, packCompiled, unpackCompiled, type CompiledModule } from '../flows/compile';
import { EXECUTION_QUEUE, sendExecutionJobs, startBoss, type ExecutionJob } from '../queue/boss';
import { createSandboxPool } from '../sandbox/pool';
import type { SandboxOutcome, SandboxPool } from '../sandbox/types';
import { decryptSecret, type SecretKey } from '../secrets/secrets';
import { createDb, type Db } from '../store/db';
import type { Execution, ExecutionError } from '../store/database';
import {
  claimExecutions,
  expireClaim,
  releaseExpiredLeases,
  takeUnqueuedWakes,
  releaseWorkerLeases,
  renewLeases,
  type EndFields,
} from '../store/executions';
import { getFlowVersion, setCompiled } from '../store/flow-versions';
import { appendLog } from '../store/logs';
import { loadJournal } from '../store/steps';
import { finishChildSuccess, finishExecution, finishInlineChild } from './finish';
import { Run } from './run';
import { withDbRetry } from './db-retry';

export type WorkerOptions = {
  databaseUrl: string;
  /** Executions taken from the queue at once. Synchronous children run inline and take no slot. */
  concurrency: number;
  secretKey?: SecretKey;
  /** A pool to share (tests); by default the worker starts its own. */
  pool?: SandboxPool;
  /** How long a claim lasts without a heartbeat: a dead worker's executions move on after this. */
  leaseMs?: number;
  heartbeatMs?: number;
  /** How often to look for due delayed jobs and expired leases when nothing wakes the worker. */
  pollMs?: number;
  log?: (line: string) => void;
};

const DEFAULTS = { leaseMs: 4000, heartbeatMs: 1000, pollMs: 1000 };

/**
 * A worker: takes execution jobs from the queue, runs each execution's handler in a sandbox runner,
 * carries out its flow API calls, and keeps its claims alive with a heartbeat. See docs/engine.md.
 */
export class Worker implements RuntimeServices {
  readonly workerId = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  readonly leaseMs: number;
  private readonly heartbeatMs: number;
  private readonly pollMs: number;
  private readonly concurrency: number;
  private readonly log: (line: string) => void;
  private readonly runs = new Map<string, Run>();
  private readonly modules = new Map<string, Promise<CompiledModule>>();
  /** Executions running from the queue (inline children do not count). */
  private active = 0;
  /** Claimed, waiting for a slot. */
  private readonly ready: Execution[] = [];
  /** Jobs being claimed + ready + running. */
  private held = 0;
  /** Execution ids of jobs being claimed right now. */
  private readonly claiming = new Set<string>();
  private stopping = false;
  private wake: (() => void) | undefined;
  private pendingWake = false;
  private timers: NodeJS.Timeout[] = [];
  private loopDone: Promise<void> = Promise.resolve();
  private listener: Listener | undefined;
  private ownsPool: boolean;

  private constructor(
    readonly db: Db,
    readonly boss: PgBoss,
    readonly pool: SandboxPool,
    readonly secretKey: SecretKey | undefined,
    options: WorkerOptions,
    ownsPool: boolean,
  ) {
    this.leaseMs = options.leaseMs ?? DEFAULTS.leaseMs;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULTS.heartbeatMs;
    this.pollMs = options.pollMs ?? DEFAULTS.pollMs;
    this.concurrency = options.concurrency;
    this.log = options.log ?? (() => {});
    this.ownsPool = ownsPool;
  }

  static async start(options: WorkerOptions): Promise<Worker> {
    const db = createDb(options.databaseUrl, { max: Math.max(4, Math.min(options.concurrency + 2, 20)) });
    const boss = await startBoss(options.databaseUrl, { maintain: true });
    const pool = options.pool ?? (await createSandboxPool({ minIdle: Math.min(options.concurrency, 2) }));
    const worker = new Worker(db, boss, pool, options.secretKey, options, !options.pool);
    worker.listener = listen(
      options.databaseUrl,
      [WAKE_CHANNEL, EVENTS_CHANNEL],
      (channel, payload) => worker.onNotification(channel, payload),
      () => worker.signal(),
    );
    worker.timers.push(setInterval(() => void worker.heartbeat(), worker.heartbeatMs));
    worker.loopDone = worker.loop();
    worker.log(`worker ${worker.workerId} started (concurrency ${options.concurrency})`);
    return worker;
  }

  /** Stops taking work; running executions get `graceMs` to finish, then are handed back to the queue. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.signal();
    for (const timer of this.timers) clearInterval(timer);
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
    await this.listener?.close();
    if (this.ownsPool) await this.pool.close();
    await this.boss.stop({ graceful: false, close: true }).catch(() => {});
    await this.db.destroy();
    this.log(`worker ${this.workerId} stopped`);
  }

  /** Executions this worker holds, by id (for tests and the benchmark). */
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
    let lastReap = 0;
    while (!this.stopping) {
      this.pendingWake = false;
      if (Date.now() - lastReap >= this.pollMs) {
        lastReap = Date.now();
        await this.reap();
      }
      // Claimed executions wait in `ready` (up to `concurrency` of them, their leases renewed like the
      // running ones) so that a freed slot starts the next one without a database round trip, and jobs
      // are fetched in batches rather than one per freed slot.
      const free = 2 * this.concurrency - this.held;
      const worthFetching = free >= Math.ceil(this.concurrency / 2) || (free > 0 && this.ready.length === 0);
      if (!worthFetching) {
        await this.idle(this.pollMs);
        continue;
      }
      let jobs: Array<{ id: string; data: ExecutionJob }>;
      try {
        jobs = await this.boss.fetch<ExecutionJob>(EXECUTION_QUEUE, { batchSize: Math.min(free, 100) });
      } catch (error) {
        this.log(`fetching jobs failed (retrying): ${(error as Error).message}`);
        await this.idle(500);
        continue;
      }
      if (jobs.length === 0) {
        await this.idle(this.pollMs);
        continue;
      }
      this.held += jobs.length;
      void this.takeJobs(jobs);
    }
  }

  private async takeJobs(jobs: Array<{ id: string; data: ExecutionJob }>): Promise<void> {
    let claimed: Execution[] = [];
    try {
      const ids = [...new Set(jobs.map((job) => job.data.executionId))];
      for (const id of ids) this.claiming.add(id);
      try {
        claimed = await claimExecutions(this.db, ids, this.workerId, this.leaseMs);
      } finally {
        this.ready.push(...claimed);
        for (const id of ids) this.claiming.delete(id);
      }
      // Claimed first, completed second: a crash in between leaves a job that a retry (or the lease) covers.
      await this.boss.complete(
        EXECUTION_QUEUE,
        jobs.map((job) => job.id),
      );
    } catch (error) {
      this.log(`claiming executions failed: ${(error as Error).message}`);
    }
    this.held -= jobs.length - claimed.length;
    this.pump();
    this.signal();
  }

  /** Starts ready executions while slots are free. */
  private pump(): void {
    while (this.active < this.concurrency && this.ready.length > 0 && !this.stopping) {
      const execution = this.ready.shift() as Execution;
      this.active += 1;
      void this.execute(execution).finally(() => {
        this.active -= 1;
        this.held -= 1;
        this.pump();
        this.signal();
      });
    }
  }

  // ------------------------------------------------------------------ heartbeat, takeover

  private async heartbeat(): Promise<void> {
    const startedAt = Date.now();
    let held: string[];
    try {
      held = await renewLeases(this.db, this.workerId, this.leaseMs, this.heldIds());
    } catch {
      return; // the database is away; the next beat tries again
    }
    const stillHeld = new Set(held);
    for (const [id, run] of this.runs) {
      if (!stillHeld.has(id) && run.claimedAt < startedAt - 50 && !run.halted) {
        // Ended by someone else (cancelled) or taken over after our lease ran out: stop, write nothing.
        run.lost = true;
        run.abort.abort();
      }
    }
  }

  /** Puts executions of dead workers (expired leases) back on the queue. */
  private async reap(): Promise<void> {
    try {
      const ids = await this.db.transaction().execute(async (trx) => {
        const expired = [
          ...(await releaseExpiredLeases(trx, this.heldIds())),
          ...(await takeUnqueuedWakes(trx)),
        ];
        await sendExecutionJobs(this.boss, trx, expired);
        return expired;
      });
      if (ids.length > 0) announceAfterCommit(this.db, [], true);
      if (ids.length > 0) this.log(`took over ${ids.length} execution(s) of a stopped worker`);
    } catch (error) {
      this.log(`reaping failed (retrying): ${(error as Error).message}`);
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
    if (this.runs.size === 0) return;
    let event: ExecutionEvent;
    try {
      event = JSON.parse(payload) as ExecutionEvent;
    } catch {
      return;
    }
    if (event.status !== 'ENDED_CANCELLED') return;
    const run = this.runs.get(event.id);
    if (run && !run.halted) {
      run.cancelled = true;
      run.abort.abort();
    }
  }

  /** What this process runs or will run at once: the only executions whose leases it renews. */
  private heldIds(): string[] {
    return [...this.runs.keys(), ...this.ready.map((execution) => execution.id), ...this.claiming];
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
    if (this.stopping || this.active >= this.concurrency) return false;
    this.active += 1;
    this.held += 1;
    return true;
  }

  /** Gives back a reserved slot whose execution could not be created. */
  releaseSlot(): void {
    this.active -= 1;
    this.held -= 1;
    this.pump();
  }

  /** Runs an execution created claimed by this worker in a reserved slot; the ended row, if it ended. */
  async runReserved(execution: Execution): Promise<Execution | undefined> {
    try {
      return await this.execute(execution);
    } finally {
      this.releaseSlot();
      this.signal();
    }
  }

  runInline(
    execution: Execution,
    parentStep?: { executionId: string; seq: number },
  ): Promise<Execution | undefined> {
    return this.execute(execution, parentStep);
  }

  /**
   * Runs a claimed execution until it ends, suspends, is cancelled or lost. Never throws. Returns the
   * ended row when this run ended it.
   */
  private async execute(
    execution: Execution,
    parentStep?: { executionId: string; seq: number },
  ): Promise<Execution | undefined> {
    const run = new Run(execution, execution.attempts);
    run.parentStep = parentStep;
    this.runs.set(execution.id, run);
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
      this.runs.delete(execution.id);
    }
    return run.ended;
  }

  private async runCode(run: Run): Promise<void> {
    const execution = run.execution;
    let compiledModule: CompiledModule;
    try {
      compiledModule = await this.loadModule(execution);
    } catch (error) {
      await failExecution(this, execution, run.attempt, {
        name: (error as Error).name,
        message: (error as Error).message,
      });
      return;
    }
    // A first attempt has no journal yet: skip the query (the fast path for fresh children).
    if (execution.attempts > 1) run.journal = await loadJournal(this.db, execution.id);
    const context: RunnerContext = {
      executionId: execution.id,
      input: execution.input ?? null,
      name: execution.name,
      rootId: execution.root_id,
      parentId: execution.parent_id,
      isProductive: execution.is_productive,
    };
    const sourceName =
      execution.type === 'SCRIPT' ? `script-${execution.id.slice(0, 8)}.ts` : `${execution.name}.ts`;
    const host = createHost(run, this);
    const outcome = await this.pool.run(
      {
        code: compiledModule.code,
        sourceMap: compiledModule.sourceMap || undefined,
        sourceName,
        context,
        timeoutMs: execution.timeout_seconds * 1000,
      },
      host,
      { signal: run.abort.signal },
    );
    if (!run.halted || run.endIntent) await host.flush();
    await this.settle(run, outcome);
  }

  private async settle(run: Run, outcome: SandboxOutcome): Promise<void> {
    if (run.handBack && !run.lost && !run.cancelled) {
      // Its lease is given up at once: the reaper queues it again, and the replay finds the journal whole.
      await withDbRetry(() => expireClaim(this.db, run.execution.id, run.attempt));
      return;
    }
    if (run.lost || run.cancelled || run.suspended) return;
    if (run.endIntent) {
      await this.finish(run, {
        status: run.endIntent.status,
        message: run.endIntent.message,
        error: run.endIntent.error ?? null,
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
    await this.finish(run, { status: 'ENDED_ERROR', ...describeFailure(outcome, run.execution) });
  }

  private async finish(run: Run, fields: EndFields): Promise<void> {
    const parentStep = run.parentStep;
    if (parentStep && fields.status === 'ENDED_SUCCESS') {
      run.ended = await withDbRetry(() =>
        finishInlineChild(this.db, run.execution, run.attempt, fields, parentStep),
      );
      return;
    }
    if (run.execution.parent_id && fields.status === 'ENDED_SUCCESS') {
      await withDbRetry(() => finishChildSuccess(this, run.execution, run.attempt, fields));
      return;
    }
    run.ended = await withDbRetry(() => finishExecution(this, run.execution, run.attempt, fields));
  }

  private async runConnection(run: Run): Promise<void> {
    const execution = run.execution;
    const sealed = (execution.code as { sealed?: string } | null)?.sealed;
    if (!this.secretKey || !sealed) {
      await failExecution(this, execution, run.attempt, {
        name: 'ConnectorError',
        message: 'this worker cannot run connections (no secret key)',
      });
      return;
    }
    const call = decryptSecret(this.secretKey, sealed) as { target: ConnectorTarget; input: unknown };
    try {
      const output = await callConnector({
        db: this.db,
        secretKey: this.secretKey,
        target: call.target,
        input: call.input,
        signal: run.abort.signal,
        log: (message, data) =>
          void appendLog(this.db, { executionId: execution.id, level: 'info', message, data }).catch(
            () => {},
          ),
      });
      if (run.lost || run.cancelled) return;
      await this.finish(run, { status: 'ENDED_SUCCESS', output });
    } catch (error) {
      if (run.lost || run.cancelled) return;
      const { name, message } = error as Error;
      await this.finish(run, { status: 'ENDED_ERROR', message, error: { name, message } });
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
    if (row.kind !== 'code' || row.code === null) {
      throw new Error(`flow '${name}' version ${version} has no code to run`);
    }
    const compiled = await compileFlowCode(row.code, `${name}.ts`);
    await setCompiled(this.db, flowId, version, packCompiled(compiled));
    return compiled;
  }
}

function describeFailure(
  outcome: Extract<SandboxOutcome, { ok: false }>,
  execution: Execution,
): { message: string; error: ExecutionError } {
  const error = outcome.error;
  if (outcome.reason === 'timeout') {
    const message = `the execution ran longer than its timeout of ${execution.timeout_seconds} s and was stopped`;
    return { message, error: { name: 'TimeoutExceededError', message } };
  }
  return {
    message: `${error.name}: ${error.message}`,
    error: { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) },
  };
}
