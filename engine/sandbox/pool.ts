import { execFile, spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Socket } from 'node:net';
import { z } from 'zod';
import { isolatedVmBinary, runnerBundle, type RunnerBundleOptions } from './bundle';
import {
  ChannelError,
  DEFAULT_MAX_FRAME_BYTES,
  FrameReader,
  MAX_JOB_IN_FLIGHT_BYTES,
  encodeFrame,
} from './channel';
import { ModuleLoadError, prepareModule, type PreparedModule } from './module';
import { readFile } from 'node:fs/promises';
import { runnerMessageSchema, type PoolToRunner, type RunnerToPool, type WireError } from './protocol';
import { mapStack } from './stack';
import { SandboxSuspend } from './suspend';
import type { SandboxError, SandboxHost, SandboxJob, SandboxOutcome, SandboxPool } from './types';

export type SandboxPoolOptions = {
  /** Runners kept started and idle, ready for the next job (a fork costs tens of milliseconds). Default 1. */
  minIdle?: number;
  /** Most runners alive at once (busy + idle); jobs beyond it wait for a runner. Default Infinity. */
  max?: number;
  /** Heap limit of the isolate user code runs in (and of the runner's own heap). Default 256. */
  heapMb?: number;
  /**
   * Resident memory limit of each busy runner, checked every 100 ms (Linux): binary data (ArrayBuffer,
   * typed arrays) lives outside the V8 heap and is not bounded by heapMb. Default 2 * heapMb + 192: the
   * isolate's heap, the runner's own (as large), Node itself (~50 MB) and the frames of a job's unanswered
   * calls (up to 32 MiB, MAX_JOB_IN_FLIGHT_BYTES, with their copies).
   */
  rssLimitMb?: number;
  /**
   * Jobs a runner serves before it is replaced. Default Infinity: each job gets a fresh context of the
   * runner's isolate, the wall between jobs. 1 gives every job a process of its own as well.
   */
  maxJobsPerRunner?: number;
  /**
   * The user runners run as. Default: the worker's own user, except when the worker runs as root: then
   * `nobody` (65534), so that even code escaping its isolate could not signal the worker or other
   * processes of root, when nobody can run Node and read the runner bundle here (else root, with a warning).
   * 'same' keeps the worker's user.
   */
  runnerUser?: RunnerUser | 'same';
  /**
   * Idle runners beyond `minIdle` are stopped after this long without a job (default 30 s), so a burst
   * of concurrent executions does not keep its runners' memory for good.
   */
  idleTimeoutMs?: number;
  /**
   * How long a runner may take, after its job was suspended and dropped, to confirm that none of the
   * job's code still runs (a loop after an unawaited call keeps running after a suspension). Until then
   * it takes no job; past this it is killed and replaced. Default 1 s: the answer is one message (well
   * under 1 ms on an idle machine); a loaded one (CI, two cores shared by many processes) can take a
   * hundred times that, and every needless kill costs a new runner. (A job that returns needs no such
   * wait: its runner sends the outcome only once none of its code runs.)
   */
  drainTimeoutMs?: number;
  /**
   * Tests only: another flow API module, or another program to run as a runner (under the same
   * flags, user and namespace), to prove what the pool does with a runner that misbehaves.
   */
  testing?: RunnerBundleOptions & { runnerProgram?: string };
};

export type RunnerUser = { uid: number; gid: number };

const nobody: RunnerUser = { uid: 65534, gid: 65534 };

type RunningJob = {
  id: number;
  job: SandboxJob;
  host: SandboxHost;
  module: PreparedModule;
  settle(outcome: SandboxOutcome): void;
  settled: boolean;
  timer: NodeJS.Timeout;
  removeAbortListener(): void;
  /** The runner's CPU time (ms) when the job was handed to it: the job's own is what it used since. */
  cpuAtStart?: number;
  /** The frame bytes of the job's unanswered calls (the runner bounds them; so does the pool). */
  inFlightBytes: number;
};

type Runner = {
  child: ChildProcess;
  /** The runner's end of its channel (its fd 3): frames both ways (channel.ts). */
  channel: Socket;
  /** draining: its job has ended for the pool, the runner has yet to confirm that none of its code runs. */
  state: 'starting' | 'idle' | 'busy' | 'draining' | 'gone';
  jobsRun: number;
  stderrTail: string;
  /** Settles once the pool has seen the runner end ('close', or 'error' for one that never started). */
  gone: Promise<void>;
  markGone(): void;
  /** When it last became idle (performance.now()). */
  idleSince?: number;
  /** Why the pool killed it, when it did. */
  killedFor?: 'timeout' | 'cancelled' | 'retired' | 'closing' | 'memory' | 'undrained' | 'protocol';
  /** Why the pool stopped trusting it, when it broke the protocol. */
  protocolError?: string;
  current?: RunningJob;
  /** While draining: the ended job the runner must confirm, and the deadline for it. */
  draining?: { job: number; timer: NodeJS.Timeout };
};

type Waiter = { take(runner: Runner): void; fail(error: SandboxError): void };

/** A job comes from the runtime, not from users: a bad one is a programming error, thrown at once. */
const jobSchema = z.object({
  code: z.string(),
  sourceName: z.string().min(1),
  sourceMap: z.string().optional(),
  timeoutMs: z.union([z.number().nonnegative(), z.literal(Infinity)]),
  cpuLimitMs: z.number().positive().optional(),
});

const stderrTailLimit = 4096;
const memoryWatchMs = 100;
const maxTimerMs = 2 ** 31 - 1;

/**
 * Runs user modules in a warm pool of runner processes (see docs/sandbox.md). Each runner: an empty
 * environment, Node's permission model allowing it to read only its own bundled file, a heap limit, and
 * one job at a time. A runner lost to a timeout, memory exhaustion, process.exit() or a crash fails
 * only its own job and is replaced.
 */
export async function createSandboxPool(options: SandboxPoolOptions = {}): Promise<SandboxPool> {
  const runnerFile = options.testing?.runnerProgram ?? (await runnerBundle(options.testing));
  const pool = new RunnerPool(runnerFile, {
    minIdle: options.minIdle ?? 1,
    max: options.max ?? Infinity,
    heapMb: options.heapMb ?? 256,
    rssLimitMb: options.rssLimitMb ?? 2 * (options.heapMb ?? 256) + 192,
    maxJobsPerRunner: options.maxJobsPerRunner ?? Infinity,
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    drainTimeoutMs: options.drainTimeoutMs ?? 1000,
    runnerUser: await chooseRunnerUser(options.runnerUser, runnerFile),
  });
  pool.replenish();
  pool.startIdleReaper();
  return pool;
}

class RunnerPool implements SandboxPool {
  private readonly runners = new Set<Runner>();
  private readonly idle: Runner[] = [];
  private readonly waiters: Waiter[] = [];
  private starting = 0;
  /** Runners whose job ended, waiting for their confirmation that none of its code still runs. */
  private drainingCount = 0;
  private nextJobId = 1;
  private closed = false;
  /** Set when runners fail to start: spare runners are then only started on demand, never in a loop. */
  private startTrouble = false;
  private memoryWatch: NodeJS.Timeout | undefined;
  private idleReaper: NodeJS.Timeout | undefined;

  constructor(
    private readonly runnerFile: string,
    private readonly settings: {
      minIdle: number;
      max: number;
      heapMb: number;
      rssLimitMb: number;
      maxJobsPerRunner: number;
      idleTimeoutMs: number;
      drainTimeoutMs: number;
      runnerUser?: RunnerUser;
    },
  ) {
    if (!(settings.max >= 1))
      throw new Error(`the sandbox pool's max must be at least 1 (got ${settings.max})`);
    if (!(settings.drainTimeoutMs >= 0))
      throw new Error(
        `the sandbox pool's drainTimeoutMs must be at least 0 (got ${settings.drainTimeoutMs})`,
      );
  }

  async run(
    job: SandboxJob,
    host: SandboxHost,
    options: { signal?: AbortSignal } = {},
  ): Promise<SandboxOutcome> {
    const { signal } = options;
    const checked = jobSchema.safeParse(job);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new TypeError(`invalid sandbox job: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
    }
    if (this.closed) return failure('crash', 'SandboxClosedError', 'the sandbox pool is closed');
    if (signal?.aborted) return cancelled();

    let prepared: PreparedModule;
    try {
      prepared = await prepareModule(job);
    } catch (error) {
      if (error instanceof ModuleLoadError) return failure('thrown', error.name, error.message);
      throw error;
    }
    if (this.closed) return failure('crash', 'SandboxClosedError', 'the sandbox pool is closed');

    const acquired = await this.acquire(signal);
    if ('outcome' in acquired) return acquired.outcome;
    const runner = acquired.runner;
    if (this.closed) {
      this.release(runner);
      return failure('crash', 'SandboxClosedError', 'the sandbox pool is closed');
    }
    return new Promise<SandboxOutcome>((resolve) =>
      this.dispatch(runner, job, host, prepared, signal, resolve),
    );
  }

  stats(): { runners: number; idle: number } {
    return { runners: this.runners.size, idle: this.idle.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.memoryWatch);
    clearInterval(this.idleReaper);
    for (const waiter of this.waiters.splice(0)) {
      waiter.fail({ name: 'SandboxClosedError', message: 'the sandbox pool closed before the job started' });
    }
    const runners = [...this.runners];
    for (const runner of runners) this.kill(runner, 'closing');
    await Promise.all(runners.map((runner) => runner.gone));
  }

  /** Checks now and then for runners idle longer than idleTimeoutMs beyond minIdle, and stops them. */
  startIdleReaper(): void {
    const every = Math.max(10, Math.min(this.settings.idleTimeoutMs / 2, 5_000));
    this.idleReaper = setInterval(() => this.retireIdleRunners(), every);
    this.idleReaper.unref();
  }

  private retireIdleRunners(): void {
    const now = performance.now();
    // The idle list is a stack: the longest idle runners are at its front.
    while (
      this.idle.length > this.settings.minIdle &&
      now - (this.idle[0]?.idleSince ?? now) >= this.settings.idleTimeoutMs
    ) {
      const runner = this.idle.shift() as Runner;
      runner.state = 'busy'; // out of the idle list at once: no job may be handed to a dying runner
      this.kill(runner, 'retired');
    }
  }

  /** Keeps `minIdle` runners idle or starting, within `max`. */
  replenish(): void {
    if (this.closed) return;
    while (
      !this.startTrouble &&
      this.idle.length + this.starting < this.settings.minIdle &&
      this.runners.size < this.settings.max
    ) {
      this.spawn();
    }
  }

  private acquire(
    signal: AbortSignal | undefined,
  ): Promise<{ runner: Runner } | { outcome: SandboxOutcome }> {
    const idle = this.idle.pop();
    if (idle) {
      idle.state = 'busy';
      this.replenish();
      return Promise.resolve({ runner: idle });
    }
    return new Promise((resolve) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve({ outcome: cancelled() });
      };
      const waiter: Waiter = {
        take: (runner) => {
          signal?.removeEventListener('abort', onAbort);
          resolve({ runner });
        },
        fail: (error) => {
          signal?.removeEventListener('abort', onAbort);
          resolve({ outcome: { ok: false, reason: 'crash', error } });
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.startForWaiters();
    });
  }

  /**
   * Starts runners for waiting jobs, counting those about to be free: a draining runner confirms its
   * job stopped within a millisecond or so, far sooner than a new runner starts (tens of milliseconds).
   */
  private startForWaiters(): void {
    while (
      this.waiters.length > this.starting + this.drainingCount &&
      this.runners.size < this.settings.max &&
      !this.closed
    ) {
      this.spawn();
    }
  }

  private spawn(): void {
    const { heapMb, runnerUser } = this.settings;
    let child: ChildProcess;
    try {
      child = forkRunner(this.runnerFile, heapMb, runnerUser);
    } catch (error) {
      this.startFailed(
        `a sandbox runner could not start (${error instanceof Error ? error.message : String(error)})`,
      );
      return;
    }
    this.starting++;
    let markGone = () => {};
    const gone = new Promise<void>((resolve) => (markGone = resolve));
    const channel = child.stdio[3] as Socket;
    const runner: Runner = { child, channel, state: 'starting', jobsRun: 0, stderrTail: '', gone, markGone };
    this.runners.add(runner);
    child.stdout?.resume(); // drained, never shown: anything the user prints goes through console -> onConsole
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      runner.stderrTail = (runner.stderrTail + chunk).slice(-stderrTailLimit);
    });
    const reader = new FrameReader();
    channel.on('data', (chunk: Buffer) => {
      if (runner.killedFor === 'protocol') return;
      let frames: ReturnType<FrameReader['push']>;
      try {
        frames = reader.push(chunk);
      } catch (error) {
        if (!(error instanceof ChannelError)) throw error;
        this.brokeProtocol(runner, `sent ${error.message}`);
        return;
      }
      for (const { message, bytes } of frames) {
        const parsed = runnerMessageSchema.safeParse(message);
        if (!parsed.success) {
          this.brokeProtocol(runner, 'sent a message that is not one of the protocol');
          return;
        }
        this.onMessage(runner, parsed.data, bytes);
      }
    });
    channel.on('error', () => child.kill('SIGKILL')); // the runner is gone; 'close' follows
    child.on('error', () => {
      // A failed spawn, or a send on a closed channel: either way this runner is of no further use.
      child.kill('SIGKILL');
      this.onGone(runner, null, null);
    });
    child.on('close', (code, signal) => this.onGone(runner, code, signal));
  }

  private onMessage(runner: Runner, message: RunnerToPool, bytes: number): void {
    switch (message.t) {
      case 'ready':
        if (runner.state !== 'starting') return;
        this.starting--;
        this.startTrouble = false;
        this.release(runner);
        return;
      case 'call': {
        const running = runner.current;
        if (!running || running.id !== message.job || running.settled) return;
        running.inFlightBytes += bytes;
        if (running.inFlightBytes > MAX_JOB_IN_FLIGHT_BYTES) {
          this.brokeProtocol(
            runner,
            `let one job's unanswered calls hold more than ${MAX_JOB_IN_FLIGHT_BYTES} bytes`,
          );
          return;
        }
        void this.answerCall(runner, running, message.id, message.method, message.args, bytes);
        return;
      }
      case 'console': {
        const running = runner.current;
        if (!running || running.id !== message.job || running.settled) return;
        try {
          running.host.onConsole?.(message.level, message.text);
        } catch {
          // the host's console sink failing must not fail the user's job
        }
        return;
      }
      case 'done': {
        // A dropped job's outcome, crossing the drop: sent from the event loop too, so it confirms as 'ended' does.
        if (runner.state === 'draining' && runner.draining?.job === message.job) {
          this.drained(runner);
          return;
        }
        const running = runner.current;
        if (!running || running.id !== message.job || running.settled) return;
        running.settle(
          message.ok
            ? { ok: true, value: message.value }
            : {
                ok: false,
                reason: message.reason === 'memory' ? 'memory' : 'thrown',
                error: toSandboxError(message.error, running),
              },
        );
        // Sent from the runner's event loop: none of the job's code runs any more (see finishJob).
        this.finish(runner);
        return;
      }
      case 'ended': {
        if (runner.state === 'draining' && runner.draining?.job === message.job) this.drained(runner);
        return;
      }
    }
  }

  /** A draining runner confirmed that none of its dropped job's code runs: reused or retired. */
  private drained(runner: Runner): void {
    if (runner.killedFor) return; // its confirmation came too late: it is being replaced
    clearTimeout(runner.draining?.timer);
    runner.draining = undefined;
    this.drainingCount--;
    this.finish(runner);
  }

  /**
   * After a job was dropped (suspended: its outcome is settled) but perhaps not stopped in its runner:
   * the runner takes no job until it confirms, from its event loop, that none of the job's code still
   * runs (user code in a synchronous loop cannot), else it is killed and replaced after drainTimeoutMs.
   */
  private drain(runner: Runner, job: number): void {
    runner.current = undefined;
    runner.state = 'draining';
    const timer = setTimeout(
      () => this.kill(runner, 'undrained'),
      Math.min(this.settings.drainTimeoutMs, maxTimerMs),
    );
    timer.unref();
    runner.draining = { job, timer };
    this.drainingCount++;
  }

  private async answerCall(
    runner: Runner,
    running: RunningJob,
    id: number,
    method: string,
    args: unknown[],
    bytes: number,
  ) {
    let reply: PoolToRunner;
    try {
      const value = await running.host.call(method, args);
      reply = { t: 'reply', job: running.id, id, ok: true, value };
    } catch (error) {
      if (error instanceof SandboxSuspend) {
        if (runner.current !== running || running.settled) return;
        running.settle(failure('suspended', error.name, error.message));
        this.drain(runner, running.id);
        this.send(runner, { t: 'drop', job: running.id });
        return;
      }
      reply = { t: 'reply', job: running.id, id, ok: false, error: hostError(error) };
    }
    running.inFlightBytes -= bytes;
    if (runner.current !== running || running.settled) return;
    try {
      const frame = encodeFrame(reply);
      if (frame.length > DEFAULT_MAX_FRAME_BYTES) {
        throw new RangeError(`it is ${frame.length} bytes, the most is ${DEFAULT_MAX_FRAME_BYTES}`);
      }
      runner.channel.write(frame);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.send(runner, {
        t: 'reply',
        job: running.id,
        id,
        ok: false,
        error: {
          name: 'TypeError',
          message: `the answer to ${method}() cannot be passed to the sandbox: ${reason}`,
        },
      });
    }
  }

  private dispatch(
    runner: Runner,
    job: SandboxJob,
    host: SandboxHost,
    module: PreparedModule,
    signal: AbortSignal | undefined,
    resolve: (outcome: SandboxOutcome) => void,
  ): void {
    const onAbort = () => {
      running.settle(cancelled());
      this.kill(runner, 'cancelled');
    };
    const running: RunningJob = {
      inFlightBytes: 0,
      id: this.nextJobId++,
      job,
      host,
      module,
      settled: false,
      settle: (outcome) => {
        if (running.settled) return;
        running.settled = true;
        clearTimeout(running.timer);
        running.removeAbortListener();
        resolve(outcome);
      },
      timer: setTimeout(
        () => {
          running.settle(
            failure(
              'timeout',
              'TimeoutError',
              `Execution exceeded its time limit of ${seconds(job.timeoutMs)} s`,
            ),
          );
          this.kill(runner, 'timeout');
          // setTimeout fires at once past 2^31-1 ms (24.8 days): longer limits are held at that.
        },
        Math.min(Math.max(job.timeoutMs, 0), maxTimerMs),
      ),
      removeAbortListener: () => signal?.removeEventListener('abort', onAbort),
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    runner.state = 'busy';
    runner.current = running;
    if (runner.child.pid !== undefined) host.onRunner?.(runner.child.pid);
    if (job.cpuLimitMs !== undefined)
      void cpuTimeMs(runner.child.pid).then((ms) => (running.cpuAtStart = ms));
    this.watchMemory();
    this.send(runner, {
      t: 'run',
      job: running.id,
      code: module.code,
      sourceName: job.sourceName,
      context: job.context,
    });
  }

  private send(runner: Runner, message: PoolToRunner): void {
    try {
      runner.channel.write(encodeFrame(message));
    } catch (error) {
      // The job's context could not be serialized (a function, a symbol...): the caller's mistake.
      const running = runner.current;
      if (running && !running.settled && message.t === 'run') {
        const reason = error instanceof Error ? error.message : String(error);
        running.settle(
          failure('crash', 'DataCloneError', `the job's context cannot be sent to a runner: ${reason}`),
        );
        this.finish(runner);
      }
    }
  }

  /** After a job: back to the idle list, or replaced once it has served maxJobsPerRunner jobs. */
  private finish(runner: Runner): void {
    runner.current = undefined;
    runner.jobsRun++;
    if (runner.jobsRun >= this.settings.maxJobsPerRunner) {
      this.kill(runner, 'retired');
      this.replenish();
      this.startForWaiters();
      return;
    }
    this.release(runner);
  }

  /** Hands a free runner to the first waiting job, or keeps it idle. */
  private release(runner: Runner): void {
    // A runner being killed is on its way out, even while its last messages still arrive.
    if (runner.state === 'gone' || runner.killedFor) return;
    if (this.closed) {
      this.kill(runner, 'closing');
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) {
      runner.state = 'busy';
      waiter.take(runner);
    } else {
      runner.state = 'idle';
      runner.idleSince = performance.now();
      this.idle.push(runner);
    }
    this.replenish();
  }

  /** Polls the resident memory of busy runners while there are any (Linux /proc; elsewhere heapMb only). */
  private watchMemory(): void {
    if (this.memoryWatch || process.platform !== 'linux') return;
    this.memoryWatch = setInterval(() => {
      const busy = [...this.runners].filter((runner) => runner.current && !runner.current.settled);
      if (busy.length === 0) {
        clearInterval(this.memoryWatch);
        this.memoryWatch = undefined;
        return;
      }
      for (const runner of busy) {
        void this.checkMemory(runner);
        void this.checkCpu(runner);
      }
    }, memoryWatchMs);
    this.memoryWatch.unref();
  }

  private async checkMemory(runner: Runner): Promise<void> {
    const status = await readFile(`/proc/${runner.child.pid}/status`, 'utf8').catch(() => '');
    const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    if (rssKb <= this.settings.rssLimitMb * 1024) return;
    const running = runner.current;
    if (!running || running.settled) return;
    running.settle(
      failure(
        'memory',
        'OutOfMemoryError',
        `Execution ran out of memory (limit ${this.settings.rssLimitMb} MB including binary data)`,
      ),
    );
    this.kill(runner, 'memory');
  }

  /**
   * A runner sent what the protocol does not allow (an oversized or unreadable frame, an unknown
   * message): it is killed, and its job fails with the reason. The worker goes on.
   */
  private brokeProtocol(runner: Runner, what: string): void {
    if (runner.killedFor) return;
    runner.protocolError = `the sandbox runner ${what}, and was stopped`;
    this.kill(runner, 'protocol');
  }

  private async checkCpu(runner: Runner): Promise<void> {
    const running = runner.current;
    const limit = running?.job.cpuLimitMs;
    if (!running || limit === undefined || running.cpuAtStart === undefined) return;
    const used = (await cpuTimeMs(runner.child.pid)) - running.cpuAtStart;
    if (used <= limit || running.settled || runner.current !== running) return;
    running.settle(
      failure(
        'timeout',
        'CpuTimeExceededError',
        `Execution used more than its CPU time limit of ${seconds(limit)} s`,
      ),
    );
    this.kill(runner, 'timeout');
  }

  private kill(runner: Runner, reason: NonNullable<Runner['killedFor']>): void {
    if (runner.state === 'gone') return;
    runner.killedFor ??= reason;
    runner.child.kill('SIGKILL');
  }

  private onGone(runner: Runner, code: number | null, signal: NodeJS.Signals | null): void {
    if (runner.state === 'gone') return;
    const wasStarting = runner.state === 'starting';
    runner.state = 'gone';
    if (runner.draining) {
      clearTimeout(runner.draining.timer);
      runner.draining = undefined;
      this.drainingCount--;
    }
    runner.markGone();
    this.runners.delete(runner);
    const idleIndex = this.idle.indexOf(runner);
    if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
    if (wasStarting) {
      this.starting--;
      if (!runner.killedFor)
        this.startFailed(`a sandbox runner could not start (${describeEnd(code, signal)})`);
    }
    const running = runner.current;
    if (running && !running.settled) running.settle(this.lostRunnerOutcome(runner, code, signal));
    runner.current = undefined;
    this.replenish();
    this.startForWaiters();
  }

  /** Waiting jobs would otherwise wait forever for a runner that cannot start. */
  private startFailed(message: string): void {
    this.startTrouble = true;
    for (const waiter of this.waiters.splice(0)) waiter.fail({ name: 'SandboxStartError', message });
  }

  private lostRunnerOutcome(
    runner: Runner,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): SandboxOutcome {
    if (runner.killedFor === 'closing') {
      return failure('cancelled', 'SandboxClosedError', 'the sandbox pool closed while the job ran');
    }
    if (runner.killedFor === 'protocol') {
      return failure(
        'crash',
        'SandboxProtocolError',
        runner.protocolError ?? 'the sandbox runner broke the protocol',
      );
    }
    if (/heap out of memory|Reached heap limit/i.test(runner.stderrTail)) {
      return failure(
        'memory',
        'OutOfMemoryError',
        `Execution ran out of memory (limit ${this.settings.heapMb} MB)`,
      );
    }
    if (code !== null) {
      return failure('exit', 'ProcessExitError', `the script ended its sandbox process (exit code ${code})`);
    }
    if (signal === 'SIGABRT') {
      return failure('exit', 'ProcessExitError', 'the script ended its sandbox process (process.abort())');
    }
    return failure(
      'crash',
      'SandboxCrashError',
      `the sandbox process stopped unexpectedly (${describeEnd(code, signal)})`,
    );
  }
}

/**
 * Starts one runner process: empty environment, permission model, heap limit (see docs/sandbox.md).
 * Where util-linux's setpriv exists, the runner also gets a parent-death signal: if the worker dies
 * (kill -9), its runners die with it, even one stuck in `for (;;) {}` that could never notice.
 * Where the worker may create namespaces (root), the runner also gets a network namespace of its own
 * with no interface up: Node's permission model leaves the network open, this closes it (no database,
 * no loopback service, no outside host). The runner then changes to its user through setpriv, since
 * creating the namespace needs the privileges the user change gives up.
 */
export function forkRunner(runnerFile: string, heapMb: number, runnerUser?: RunnerUser): ChildProcess {
  const nodeArgs = [
    '--permission',
    `--allow-fs-read=${runnerFile}`,
    `--allow-fs-read=${isolatedVmBinary()}`,
    // isolated-vm is the one addon a runner loads; user code, in its isolate, can load nothing.
    '--allow-addons',
    // The runner's own heap holds only messages on their way (the user's heap is the isolate's).
    `--max-old-space-size=${Math.max(64, heapMb)}`,
  ];
  const program = [process.execPath, ...nodeArgs, runnerFile, String(heapMb)];
  const options: SpawnOptions = {
    // Empty on purpose (the worker's secrets stay in the worker); the cast only drops Next's NODE_ENV typing.
    env: {} as NodeJS.ProcessEnv,
    // fd 3: the channel (a socket pair), framed by channel.ts rather than Node's IPC (see there).
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    cwd: '/',
  };
  if (
    runnerUser &&
    !(
      Number.isInteger(runnerUser.uid) &&
      runnerUser.uid >= 0 &&
      Number.isInteger(runnerUser.gid) &&
      runnerUser.gid >= 0
    )
  ) {
    throw new Error(`invalid runner user ${runnerUser.uid}:${runnerUser.gid}`);
  }
  const setpriv = findTool('setpriv');
  const unshare = setpriv && canIsolateNetwork() ? findTool('unshare') : null;
  if (setpriv && unshare) {
    const becomeUser = runnerUser
      ? ['--reuid', String(runnerUser.uid), '--regid', String(runnerUser.gid), '--clear-groups']
      : [];
    const runner = [setpriv, ...becomeUser, '--pdeathsig', 'SIGKILL', '--', ...program];
    // Where it may, the runner also gets a mount namespace in which /run (and so /var/run) is empty:
    // the Unix sockets of the machine's services live there, and a network namespace does not
    // isolate sockets at a file path.
    if (canHideRunSockets()) {
      return spawn(
        unshare,
        ['--net', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', HIDE_RUN, 'sh', ...runner],
        options,
      );
    }
    return spawn(unshare, ['--net', '--', ...runner], options);
  }
  const userOptions = runnerUser ? { uid: runnerUser.uid, gid: runnerUser.gid } : {};
  if (setpriv) {
    return spawn(setpriv, ['--pdeathsig', 'SIGKILL', '--', ...program], { ...options, ...userOptions });
  }
  const [node, ...args] = program as [string, ...string[]];
  return spawn(node, args, { ...options, ...userOptions });
}

/** Clock ticks per second of /proc/<pid>/stat's times: 100 on every Linux build that matters here. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The CPU time (user + system, ms) a process has used so far; 0 when it cannot be read. */
async function cpuTimeMs(pid: number | undefined): Promise<number> {
  if (pid === undefined || process.platform !== 'linux') return 0;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name (which may hold spaces, hence from the last ')'): utime is the 12th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

const toolPaths = new Map<string, string | null>();

function findTool(name: 'setpriv' | 'unshare'): string | null {
  if (!toolPaths.has(name)) {
    let found: string | null = null;
    if (process.platform === 'linux') {
      for (const candidate of [`/usr/bin/${name}`, `/bin/${name}`]) {
        try {
          accessSync(candidate, constants.X_OK);
          found = candidate;
          break;
        } catch {
          // not here
        }
      }
    }
    toolPaths.set(name, found);
  }
  return toolPaths.get(name) ?? null;
}

/**
 * Mounts an empty, read-only file system over /run, then becomes the runner (its arguments), with the
 * empty environment it was given (the shell would add PWD).
 */
const HIDE_RUN = 'mount -t tmpfs -o ro,size=16k,mode=755 flowline-empty /run && exec /usr/bin/env -i "$@"';

let runSocketsHidden: boolean | undefined;

/** Whether runners can get a mount namespace with /run hidden (root, where the host allows it). */
export function canHideRunSockets(): boolean {
  if (runSocketsHidden === undefined) {
    const unshare = findTool('unshare');
    runSocketsHidden =
      unshare !== null &&
      canIsolateNetwork() &&
      spawnSync(
        unshare,
        ['--net', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', HIDE_RUN, 'sh', 'true'],
        { stdio: 'ignore' },
      ).status === 0;
  }
  return runSocketsHidden;
}

let networkIsolation: boolean | undefined;

/** Whether this process may create a network namespace (root, outside a container that forbids it). */
export function canIsolateNetwork(): boolean {
  if (networkIsolation === undefined) {
    const unshare = findTool('unshare');
    networkIsolation =
      unshare !== null && spawnSync(unshare, ['--net', '--', 'true'], { stdio: 'ignore' }).status === 0;
  }
  return networkIsolation;
}

async function chooseRunnerUser(
  requested: RunnerUser | 'same' | undefined,
  runnerFile: string,
): Promise<RunnerUser | undefined> {
  if (requested === 'same') return undefined;
  if (requested) return requested;
  if (process.getuid?.() !== 0) return undefined;
  let check = nobodyChecks.get(runnerFile);
  if (!check) {
    check = nobodyCanRun(runnerFile);
    nobodyChecks.set(runnerFile, check);
  }
  return (await check) ? nobody : undefined;
}

/** Whether nobody can run Node and read the runner bundle here: checked once per bundle and process. */
const nobodyChecks = new Map<string, Promise<boolean>>();

async function nobodyCanRun(runnerFile: string): Promise<boolean> {
  const usable = await new Promise<boolean>((resolve) => {
    execFile(
      process.execPath,
      [
        '-e',
        `require('node:fs').accessSync(${JSON.stringify(runnerFile)}, require('node:fs').constants.R_OK)`,
      ],
      { uid: nobody.uid, gid: nobody.gid, env: {} as NodeJS.ProcessEnv, cwd: '/', timeout: 10_000 },
      (error) => resolve(!error),
    );
  });
  if (usable) return true;
  process.emitWarning(
    `sandbox runners run as root: the user nobody cannot run ${process.execPath} or read ${runnerFile}. ` +
      'Run the worker as an unprivileged user, or make Node and the temp folder reachable for nobody.',
    'FlowlineSandboxWarning',
  );
  return false;
}

function toSandboxError(error: WireError, running: RunningJob): SandboxError {
  const stack = error.stack ? mapStack(error.stack, running.job.sourceName, running.module) : undefined;
  return { name: error.name, message: error.message, ...(stack ? { stack } : {}) };
}

/** A host error as it travels to user code: name, message and its own plain data (e.g. a child's id). */
function hostError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack' || typeof value === 'function') continue;
    try {
      structuredClone(value);
      props[key] = value;
    } catch {
      // not plain data: left out
    }
  }
  return { name: error.name, message: error.message, ...(Object.keys(props).length > 0 ? { props } : {}) };
}

function failure(reason: Exclude<SandboxOutcome, { ok: true }>['reason'], name: string, message: string) {
  return { ok: false, reason, error: { name, message } } satisfies SandboxOutcome;
}

function cancelled(): SandboxOutcome {
  return failure('cancelled', 'CancelledError', 'the execution was cancelled');
}

function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

function describeEnd(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal ${signal}`;
  if (code !== null) return `exit code ${code}`;
  return 'it could not be started';
}
