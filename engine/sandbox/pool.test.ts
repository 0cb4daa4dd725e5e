import { transform } from 'esbuild';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canHideRunSockets, canIsolateNetwork, createSandboxPool, type SandboxPoolOptions } from './pool';
import { mapJobStack } from './stack';
import { SandboxSuspend } from './suspend';
import type { SandboxHost, SandboxJob, SandboxOutcome, SandboxPool } from './types';

// The worker's own secret: user code must never see it.
const secret = 'flowline-test-secret-7c1e9d';
process.env.FLOWLINE_SANDBOX_TEST_SECRET = secret;

const probeApi = fileURLToPath(new URL('./fixtures/probe-api.ts', import.meta.url));
const probeRunner = { flowApi: probeApi };
const orphanParent = new URL('./fixtures/orphan-parent.ts', import.meta.url);

/** A job whose handler body is `body`; `this.call(method, ...args)` reaches the host. */
function job(body: string, overrides: Partial<SandboxJob> = {}): SandboxJob {
  return {
    code: `export default async function handler(system) {\n${body}\n}\n`,
    sourceName: 'flow:test@v1',
    context: { input: 21 },
    timeoutMs: 20_000,
    ...overrides,
  };
}

type Call = { method: string; args: unknown[] };

/** A host answering calls with `answer`, recording the calls, the console and the runners (by pid). */
function recordingHost(answer: (call: Call) => Promise<unknown> | unknown = () => undefined) {
  const calls: Call[] = [];
  const console: string[] = [];
  const runners: number[] = [];
  const host: SandboxHost = {
    async call(method, args) {
      calls.push({ method, args });
      return answer({ method, args });
    },
    onConsole(level, text) {
      console.push(`${level}: ${text}`);
    },
    onRunner(pid) {
      runners.push(pid);
    },
  };
  return { host, calls, console, runners };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function failed(outcome: SandboxOutcome) {
  if (outcome.ok) throw new Error(`expected a failed outcome, got value ${JSON.stringify(outcome.value)}`);
  return outcome;
}

let pool: SandboxPool;

beforeAll(async () => {
  pool = await createSandboxPool({ minIdle: 2, max: 4, heapMb: 48, testing: probeRunner });
});

afterAll(async () => {
  await pool.close();
});

/** Runs `body` with a pool of one runner (and the probe flow API), closed afterwards. */
async function withOneRunner<T>(
  options: Partial<SandboxPoolOptions>,
  body: (pool: SandboxPool) => Promise<T>,
): Promise<T> {
  const single = await createSandboxPool({ minIdle: 0, max: 1, testing: probeRunner, ...options });
  try {
    return await body(single);
  } finally {
    await single.close();
  }
}

describe('running handlers', () => {
  it('returns the handler value, with the job context and system the flow API built', async () => {
    const { host } = recordingHost();
    const outcome = await pool.run(
      job('return { doubled: this.context.input * 2, system: system.kind, thisIsApi: typeof this.call };'),
      host,
    );
    expect(outcome).toEqual({
      ok: true,
      value: { doubled: 42, system: 'probe-system', thisIsApi: 'function' },
    });
  });

  it('carries rich values (Map, Date, BigInt) both ways', async () => {
    const { host } = recordingHost(() => new Map([['at', new Date(0)]]));
    const outcome = await pool.run(
      job('const answer = await this.call("get"); return [answer.get("at").getTime(), 2n ** 70n];'),
      host,
    );
    expect(outcome).toEqual({ ok: true, value: [0, 2n ** 70n] });
  });

  it('forwards console output to the host, formatted', async () => {
    const { host, console } = recordingHost();
    await pool.run(job('console.log("n=%d", 5, { a: [1] }); console.error("bad");'), host);
    expect(console).toEqual(['info: n=5 { a: [ 1 ] }', 'error: bad']);
  });

  it('caps console output: a flood ends in one warning', async () => {
    const { host, console } = recordingHost();
    await pool.run(
      job('for (let i = 0; i < 10_100; i++) console.log(i); console.log("x".repeat(70_000));'),
      host,
    );
    expect(console).toHaveLength(10_001);
    expect(console.at(-1)).toBe('warn: console output beyond 10000 lines is dropped for this execution');
  });

  it('gives every job fresh globals: nothing one job leaves behind reaches the next', async () => {
    const { host } = recordingHost();
    await withOneRunner({}, async (single) => {
      const first = await single.run(
        job('globalThis.leftBehind = "x"; Array.prototype.polluted = 1; return typeof leftBehind;'),
        host,
      );
      const second = await single.run(job('return [typeof globalThis.leftBehind, [].polluted];'), host);
      expect(first).toEqual({ ok: true, value: 'string' });
      expect(second).toEqual({ ok: true, value: ['undefined', undefined] });
    });
  });

  it('queues jobs beyond max and runs them all', async () => {
    const { host } = recordingHost();
    const small = await createSandboxPool({ minIdle: 0, max: 2, testing: probeRunner });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, (_, index) =>
          small.run(job(`await new Promise((r) => setTimeout(r, 5)); return ${index};`), host),
        ),
      );
      expect(outcomes).toEqual(Array.from({ length: 6 }, (_, index) => ({ ok: true, value: index })));
    } finally {
      await small.close();
    }
  });

  it('refuses a module whose default export is not a function', async () => {
    const outcome = failed(await pool.run(job('', { code: 'export default 42;' }), recordingHost().host));
    expect(outcome.reason).toBe('thrown');
    expect(outcome.error.message).toMatch(/default export must be the handler function/);
  });

  it('refuses imports with a message that points at the flow API', async () => {
    const outcome = failed(
      await pool.run(
        job('', { code: 'import fs from "node:fs";\nexport default async function () { return fs; }' }),
        recordingHost().host,
      ),
    );
    expect(outcome.reason).toBe('thrown');
    expect(outcome.error.message).toMatch(/cannot import 'node:fs'.*flow API/);
  });

  it('refuses dynamic import() with the same advice', async () => {
    const outcome = failed(await pool.run(job('await import("node:fs");'), recordingHost().host));
    expect(outcome.error.message).toMatch(/dynamic import\(\) is not available.*flow API/);
  });

  it('reports a syntax error with its position', async () => {
    const outcome = failed(
      await pool.run(
        job('', { code: 'export default async function () {\n  return 1 +;\n}' }),
        recordingHost().host,
      ),
    );
    expect(outcome).toMatchObject({ reason: 'thrown', error: { name: 'SyntaxError' } });
    expect(outcome.error.message).toContain('flow:test@v1:2:');
  });
});

describe("the user's realm", () => {
  it('gives user code values that pass instanceof in its own realm', async () => {
    const { host } = recordingHost(() => ({ list: [1], at: new Date(5), nested: { ok: true } }));
    const outcome = await pool.run(
      job(`
        const answer = await this.call('get');
        return [answer instanceof Object, answer.list instanceof Array, answer.at instanceof Date,
                this.context instanceof Object, answer.nested.ok];`),
      host,
    );
    expect(outcome).toEqual({ ok: true, value: [true, true, true, true, true] });
  });

  it('builds the flow API inside the realm: its functions lead to no process', async () => {
    const outcome = await pool.run(
      job('return [this.call.constructor("return typeof process")(), this.call("x") instanceof Promise];'),
      recordingHost().host,
    );
    expect(outcome).toEqual({ ok: true, value: ['undefined', true] });
  });
});

describe('the real flow API (engine/api/runner-api.ts)', () => {
  it('bundles into the runner and builds `this` from the job context', async () => {
    const real = await createSandboxPool({ minIdle: 0, max: 1 });
    try {
      const outcome = await real.run(
        job('return { id: this.id, input: this.input };', {
          context: { executionId: 'e-1', input: { n: 1 } },
        }),
        recordingHost().host,
      );
      expect(outcome).toEqual({ ok: true, value: { id: 'e-1', input: { n: 1 } } });
    } finally {
      await real.close();
    }
  });
});

describe('the pool', () => {
  it('gives every job a process of its own with maxJobsPerRunner: 1', async () => {
    const strict = await createSandboxPool({ minIdle: 1, max: 1, maxJobsPerRunner: 1, testing: probeRunner });
    try {
      const { host, runners } = recordingHost();
      expect(await strict.run(job('return 1;'), host)).toEqual({ ok: true, value: 1 });
      expect(await strict.run(job('return 2;'), host)).toEqual({ ok: true, value: 2 });
      expect(runners).toHaveLength(2);
      expect(runners[0]).not.toBe(runners[1]);
    } finally {
      await strict.close();
    }
  });

  it('takes its runners along when the worker dies, even one stuck in a loop', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(orphanParent)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    parent.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => /runner pid (\d+)/.exec(output)?.[1], { timeout: 30_000 }).toBeDefined();
    const runnerPid = Number(/runner pid (\d+)/.exec(output)?.[1]);
    expect(isAlive(runnerPid)).toBe(true);
    parent.kill('SIGKILL');
    await expect.poll(() => isAlive(runnerPid), { timeout: 10_000 }).toBe(false);
  });

  it('stops runners idle beyond minIdle after idleTimeoutMs, keeping minIdle warm', async () => {
    const shrinking = await createSandboxPool({
      minIdle: 1,
      max: 4,
      idleTimeoutMs: 200,
      testing: probeRunner,
    });
    try {
      // Three jobs held until all three run need three runners, however slowly runners start.
      let arrived = 0;
      let release = () => {};
      const allArrived = new Promise<void>((resolve) => (release = resolve));
      const { host, runners: pids } = recordingHost(() => {
        if (++arrived === 3) release();
        return allArrived;
      });
      await Promise.all([1, 2, 3].map(() => shrinking.run(job('await this.call("arrive");'), host)));
      expect(new Set(pids).size).toBe(3);
      // Idle beyond minIdle, the pool shrinks to its one warm runner (which may be a spare it started
      // while all three were busy).
      await expect.poll(() => shrinking.stats().runners, { timeout: 10_000 }).toBe(1);
      expect(pids.filter(isAlive).length).toBeLessThanOrEqual(1);
      expect(await shrinking.run(job('return "still serving";'), recordingHost().host)).toEqual({
        ok: true,
        value: 'still serving',
      });
    } finally {
      await shrinking.close();
    }
  });

  it('throws at once on a malformed job, naming the field', async () => {
    await expect(pool.run(job('return 1;', { timeoutMs: Number.NaN }), recordingHost().host)).rejects.toThrow(
      /invalid sandbox job: timeoutMs/,
    );
  });

  it('fails jobs with a clear error when no runner can start, instead of waiting forever', async () => {
    const broken = await createSandboxPool({ minIdle: 1, max: 2, runnerUser: { uid: -1, gid: -1 } });
    try {
      expect(await broken.run(job('return 1;'), recordingHost().host)).toMatchObject({
        ok: false,
        reason: 'crash',
        error: { name: 'SandboxStartError', message: expect.stringContaining('could not start') },
      });
    } finally {
      await broken.close();
    }
  });

  it('ends running and waiting jobs when it closes, and refuses new ones', async () => {
    const closing = await createSandboxPool({ minIdle: 0, max: 1, testing: probeRunner });
    const { host, calls } = recordingHost();
    const running = closing.run(job('await this.call("started"); await new Promise(() => {});'), host);
    await expect.poll(() => calls.length).toBe(1);
    const waiting = closing.run(job('return 1;'), host);
    await closing.close();
    expect(await running).toMatchObject({
      ok: false,
      reason: 'cancelled',
      error: { name: 'SandboxClosedError' },
    });
    expect(await waiting).toMatchObject({ ok: false, error: { name: 'SandboxClosedError' } });
    expect(await closing.run(job('return 1;'), host)).toMatchObject({
      ok: false,
      error: { message: 'the sandbox pool is closed' },
    });
  });
});

describe('flow API calls', () => {
  it('answers many concurrent calls, each with its own result', async () => {
    // Answers in reverse order of arrival: results must still be matched to their calls by id.
    const gate: (() => void)[] = [];
    const { host, calls } = recordingHost(
      ({ args }) =>
        new Promise((resolve) => {
          gate.push(() => resolve(`answer-${String(args[0])}`));
          if (gate.length === 20) for (const open of gate.reverse()) open();
        }),
    );
    const outcome = await pool.run(
      job('return Promise.all(Array.from({ length: 20 }, (_, i) => this.call("echo", i)));'),
      host,
    );
    expect(outcome).toEqual({ ok: true, value: Array.from({ length: 20 }, (_, i) => `answer-${i}`) });
    expect(calls).toHaveLength(20);
  });

  it('hands host errors to user code as Errors with name, message and data intact', async () => {
    class DependencyFailedError extends Error {
      override name = 'DependencyFailedError';
      constructor(
        message: string,
        readonly childId: string,
      ) {
        super(message);
      }
    }
    const { host } = recordingHost(() => {
      throw new DependencyFailedError("child flow 'x' failed: boom", 'child-7');
    });
    const outcome = await pool.run(
      job(`
        try {
          await this.call('flow', 'x');
        } catch (e) {
          return { isError: e instanceof Error, name: e.name, message: e.message, childId: e.childId,
                   caught: e.name === 'DependencyFailedError' };
        }`),
      host,
    );
    expect(outcome).toEqual({
      ok: true,
      value: {
        isError: true,
        name: 'DependencyFailedError',
        message: "child flow 'x' failed: boom",
        childId: 'child-7',
        caught: true,
      },
    });
  });

  it('fails the job with the host error when user code does not catch it', async () => {
    const { host } = recordingHost(() => {
      throw Object.assign(new Error('no flow named nope'), { name: 'ResourceNotFoundError' });
    });
    const outcome = failed(await pool.run(job("await this.call('flow', 'nope');"), host));
    expect(outcome).toMatchObject({
      reason: 'thrown',
      error: { name: 'ResourceNotFoundError', message: 'no flow named nope' },
    });
    expect(outcome.error.stack).toMatch(
      /^ResourceNotFoundError: no flow named nope\n\s+at .*flow:test@v1:2:/,
    );
  });

  it('rejects arguments that cannot be sent, in user code', async () => {
    const outcome = await pool.run(
      job('try { await this.call("x", () => 1); } catch (e) { return e.message; }'),
      recordingHost().host,
    );
    expect(outcome).toMatchObject({
      ok: true,
      value: expect.stringMatching(/arguments of x\(\) cannot be passed/),
    });
  });

  it('suspends a job when the host says so, and keeps the runner', async () => {
    await withOneRunner({}, async (single) => {
      let suspended = false;
      let ticksAfterSuspension = 0;
      const sleeping = recordingHost(({ method }) => {
        if (method === 'tick' && suspended) ticksAfterSuspension++;
        if (method === 'sleep') throw new SandboxSuspend('sleeping until tomorrow');
      });
      const outcome = await single.run(
        job('setInterval(() => this.call("tick"), 5); await this.call("sleep"); await this.call("never");'),
        sleeping.host,
      );
      suspended = true;
      expect(outcome).toMatchObject({
        ok: false,
        reason: 'suspended',
        error: { message: 'sleeping until tomorrow' },
      });
      // The same runner runs the next job; the suspended job's interval is gone and reaches nobody.
      const next = await single.run(
        job('await new Promise((r) => setTimeout(r, 100)); return "next";'),
        sleeping.host,
      );
      expect(next).toEqual({ ok: true, value: 'next' });
      expect(ticksAfterSuspension).toBe(0);
      expect(sleeping.calls.map((call) => call.method)).not.toContain('never');
    });
  });
});

describe('reusing a runner only once its job has stopped', () => {
  /** A host that suspends the job on `sleep` (and records the runners by pid). */
  function suspendingHost() {
    const recorded = recordingHost(({ method }) => {
      if (method === 'sleep') throw new SandboxSuspend('sleeping until tomorrow');
    });
    return { ...recorded, pids: recorded.runners };
  }
  const next = job('return "next";', { timeoutMs: 15_000 });

  it.each([
    // The sleep is not awaited: the call goes out, then the code loops for good and never sees the drop.
    ['after an unawaited call', 'this.call("sleep"); for (;;) {}'],
    // The answer to another call and the drop arrive together: its continuation loops after the drop.
    [
      'in the continuation of an answered call',
      'this.call("fast").then(() => { for (;;) {} }); await this.call("sleep");',
    ],
  ])(
    'replaces the runner of a suspended job that keeps running (%s), instead of stalling the next job',
    async (_, code) => {
      await withOneRunner({}, async (single) => {
        const { host, pids } = suspendingHost();
        const first = await single.run(job(code, { timeoutMs: 600_000 }), host);
        expect(first).toMatchObject({ ok: false, reason: 'suspended' });
        expect(await single.run(next, host)).toEqual({ ok: true, value: 'next' });
        expect(pids).toHaveLength(2);
        expect(pids[1]).not.toBe(pids[0]);
      });
    },
  );

  it('keeps the runner of a suspended job that stops when dropped', async () => {
    // A generous bound: this tests the acknowledgement, not how fast a loaded machine answers.
    await withOneRunner({ drainTimeoutMs: 10_000 }, async (single) => {
      const { host, pids } = suspendingHost();
      const first = await single.run(job('await this.call("sleep");'), host);
      expect(first).toMatchObject({ ok: false, reason: 'suspended' });
      expect(await single.run(next, host)).toEqual({ ok: true, value: 'next' });
      expect(pids[1]).toBe(pids[0]);
    });
  });

  it('hands the runner on only once the suspended job has stopped running', async () => {
    await withOneRunner({ drainTimeoutMs: 10_000 }, async (single) => {
      const { host, calls, pids } = suspendingHost();
      // Busy for 500 ms after the sleep was refused, then done: well within the bound, so the runner stays.
      const first = await single.run(
        job(
          `const end = Date.now() + 500; this.call("loopEnds", end); this.call("sleep");
           while (Date.now() < end) {}`,
        ),
        host,
      );
      expect(first).toMatchObject({ ok: false, reason: 'suspended' });
      const after = await single.run(job('return Date.now();'), host);
      expect(after).toEqual({ ok: true, value: expect.any(Number) });
      expect(pids[1]).toBe(pids[0]);
      const loopEnd = calls.find((call) => call.method === 'loopEnds')?.args[0] as number;
      expect(after.ok && (after.value as number)).toBeGreaterThanOrEqual(loopEnd);
    });
  });

  it('never hands a job to a runner it is killing, even when its late confirmation arrives', async () => {
    // A bound so short that the confirmation often comes after the kill was decided, before the runner died.
    await withOneRunner({ drainTimeoutMs: 1 }, async (single) => {
      const { host } = suspendingHost();
      for (let round = 0; round < 15; round++) {
        expect(await single.run(job('await this.call("sleep");'), host)).toMatchObject({
          reason: 'suspended',
        });
        expect(await single.run(job('return 1;'), host)).toEqual({ ok: true, value: 1 });
      }
    });
  });

  it('holds a job open, and its runner, while code it left behind after returning still runs', async () => {
    await withOneRunner({}, async (single) => {
      const { host, pids } = suspendingHost();
      // The handler returns; a chain of microtasks it left behind then loops for good: the job is not done.
      const first = await single.run(
        job(
          `Promise.resolve().then(() => {}).then(() => {}).then(() => {}).then(() => { for (;;) {} });
           return "returned";`,
          { timeoutMs: 2_000 },
        ),
        host,
      );
      expect(first).toMatchObject({ ok: false, reason: 'timeout' });
      expect(await single.run(next, host)).toEqual({ ok: true, value: 'next' });
      expect(pids[1]).not.toBe(pids[0]);
    });
  });

  it.each([
    [
      'after it returned',
      'Promise.resolve().then(() => {}).then(() => {}).then(() => {}).then(() => setTimeout(() => { for (;;) {} }, 50)); return "returned";',
    ],
    [
      'after it was suspended',
      'this.call("fast").then(() => setTimeout(() => { for (;;) {} }, 50)); await this.call("sleep");',
    ],
  ])('lets no timer a job sets %s fire into a later job', async (_, code) => {
    await withOneRunner({}, async (single) => {
      const { host } = suspendingHost();
      await single.run(job(code, { timeoutMs: 600_000 }), host);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const next = await single.run(
        job('await new Promise((r) => setTimeout(r, 100)); return "next";', { timeoutMs: 15_000 }),
        host,
      );
      expect(next).toEqual({ ok: true, value: 'next' });
    });
  });
});

describe('containment: user code runs in a V8 isolate with nothing of Node', () => {
  // Each of these reached the runner's real `process` while user code ran in a vm context (issue 8).
  it.each([
    ['a host function', 'console.log.constructor("return typeof process")()'],
    ['a timer', 'setTimeout.constructor("return typeof process")()'],
    ['require', 'require.constructor("return typeof process")()'],
    ['the flow API', 'this.call.constructor("return typeof process")()'],
    ['an async function', '(async () => {}).constructor("return typeof process")()'],
    [
      'the frames of a stack',
      `(() => { const before = Error.prepareStackTrace;
         Error.prepareStackTrace = (_, frames) => frames;
         const frames = new Error().stack; Error.prepareStackTrace = before;
         return frames.map((f) => { const self = f.getThis(); return self && self.process ? 'found' : typeof (f.getFunction() || {}).process; }).join(); })()`,
    ],
  ])('finds no process through %s', async (_, expression) => {
    const outcome = await pool.run(job(`return ${expression};`), recordingHost().host);
    expect(outcome.ok).toBe(true);
    expect(String(outcome.ok && outcome.value)).not.toMatch(/object|function|found/);
  });

  it('has no Node globals at all: no process, require, module loader, Buffer, socket or fetch', async () => {
    const outcome = await pool.run(
      job(`
        const names = ['process', 'require', 'module', 'Buffer', 'global', 'fetch', 'WebSocket', 'XMLHttpRequest', 'Deno', 'Bun'];
        const own = Object.getOwnPropertyNames(globalThis);
        return { found: names.filter((name) => typeof globalThis[name] !== 'undefined'), own: own.filter((name) => names.includes(name)) };`),
      recordingHost().host,
    );
    expect(outcome).toEqual({ ok: true, value: { found: [], own: [] } });
    expect(JSON.stringify(outcome)).not.toContain(secret);
  });

  it('fails plainly on process.exit()', async () => {
    const outcome = failed(await pool.run(job('process.exit(0);'), recordingHost().host));
    expect(outcome).toMatchObject({ reason: 'thrown', error: { name: 'ReferenceError' } });
  });

  it('gives a later job on the same runner nothing of an earlier one: not its input, globals, prototypes or timers', async () => {
    await withOneRunner({}, async (single) => {
      const { host, runners, calls } = recordingHost();
      const first = await single.run(
        job(
          `globalThis.kept = this.context;
           Object.prototype.leak = this.context.input;
           const push = Array.prototype.push;
           Array.prototype.push = function (...items) { globalThis.spied = items; return push.apply(this, items); };
           JSON.parse = () => ({ replaced: true });
           setInterval(() => this.call('spy', this.context.input), 1);
           return 'planted';`,
          { context: { input: 'first job secret' } },
        ),
        host,
      );
      expect(first).toEqual({ ok: true, value: 'planted' });
      const second = await single.run(
        job(
          `await new Promise((resolve) => setTimeout(resolve, 50));
           const list = []; list.push(1);
           return [typeof globalThis.kept, ({}).leak, typeof globalThis.spied, JSON.parse('{"a":1}'), this.context.input];`,
          { context: { input: 'second' } },
        ),
        host,
      );
      expect(second).toEqual({ ok: true, value: ['undefined', undefined, 'undefined', { a: 1 }, 'second'] });
      expect(runners[0]).toBe(runners[1]);
      expect(calls.filter((call) => call.method === 'spy')).toEqual([]);
    });
  });
});

describe('what attacking the sandbox found', () => {
  it('gives every typed array a buffer of its own: none shows bytes of other messages', async () => {
    await withOneRunner({}, async (single) => {
      const { host } = recordingHost(({ method, args }) => (method === 'echo' ? args : undefined));
      await single.run(
        job('await this.call("store", "SECRET-of-an-earlier-job"); console.log("SECRET-in-a-console-line");'),
        host,
      );
      // Padding before the array moves it to every alignment in the frame.
      const outcome = await single.run(
        job(`
          const seen = [];
          for (let pad = 0; pad < 8; pad++) {
            const [, vector] = await this.call('echo', 'x'.repeat(pad), new Float64Array([1, 2]));
            seen.push(vector.buffer.byteLength, new TextDecoder().decode(new Uint8Array(vector.buffer)).includes('SECRET'));
          }
          return seen;`),
        host,
      );
      expect(outcome).toEqual({ ok: true, value: Array.from({ length: 8 }, () => [16, false]).flat() });
    });
  });

  it('refuses a call whose arguments are too large, in user code (a string counts once per reference)', async () => {
    const outcome = await pool.run(
      job(`
        const big = 'x'.repeat(1 << 20);
        try { await this.call('log', new Array(20).fill(big)); return 'sent'; } catch (e) { return e.message; }`),
      recordingHost().host,
    );
    expect(outcome).toEqual({
      ok: true,
      value: expect.stringMatching(
        /the arguments of log\(\) cannot be passed to the worker: they are 20\.0 MiB; the most is 8\.0 MiB/,
      ),
    });
  });

  it("bounds what one job's unanswered calls hold, so the worker never carries more", async () => {
    const { host } = recordingHost(() => new Promise(() => {})); // a host that never answers
    const outcome = await pool.run(
      job(`
        const arg = 'x'.repeat(7 << 20);
        const refused = [];
        for (let i = 0; i < 6; i++) this.call('slow', arg).catch((e) => refused.push(e.message));
        await new Promise((resolve) => setTimeout(resolve, 50));
        return refused;`),
      host,
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome));
    expect((outcome.value as string[])[0]).toMatch(
      /unanswered calls already hold 2\d\.\d MiB; the most is 32\.0 MiB/,
    );
  });

  it('fails a job whose return value is too large, and keeps its runner', async () => {
    await withOneRunner({}, async (single) => {
      const { host, runners } = recordingHost();
      const outcome = failed(await single.run(job("return new Array(10).fill('x'.repeat(1 << 20));"), host));
      expect(outcome).toMatchObject({ reason: 'thrown', error: { name: 'TypeError' } });
      expect(outcome.error.message).toMatch(/return value cannot be passed to the worker: it is 10\.0 MiB/);
      expect(await single.run(job('return "next";'), host)).toEqual({ ok: true, value: 'next' });
      expect(runners[1]).toBe(runners[0]);
    });
  });

  it('answers a call whose answer is too large for the channel with an error user code can catch', async () => {
    const { host } = recordingHost(() => 'x'.repeat(70 << 20));
    const outcome = await pool.run(
      job('try { await this.call("big"); return "answered"; } catch (e) { return e.message; }'),
      host,
    );
    expect(outcome).toEqual({
      ok: true,
      value: expect.stringMatching(/the answer to big\(\) cannot be passed to the sandbox/),
    });
  });

  it('offers no WebAssembly (its memory lies outside the isolate limit)', async () => {
    expect(await pool.run(job('return typeof WebAssembly;'), recordingHost().host)).toEqual({
      ok: true,
      value: 'undefined',
    });
  });
});

describe('the channel: the worker survives any bytes a runner sends', () => {
  const standIn = fileURLToPath(new URL('./fixtures/stand-in-runner.cjs', import.meta.url));

  it.each([
    ['garbage', /sent a frame that is not a message/],
    ['oversized', /sent a frame of 2147483648 bytes \(the limit is \d+\)/],
    ['unknown', /sent a message that is not one of the protocol/],
  ])(
    'stops a runner that sends %s, fails its job with the reason, and serves the next job',
    async (mode, message) => {
      const misbehaving = await createSandboxPool({
        minIdle: 0,
        max: 1,
        testing: { runnerProgram: standIn },
      });
      try {
        const outcome = failed(await misbehaving.run(job('', { sourceName: mode }), recordingHost().host));
        expect(outcome).toMatchObject({ reason: 'crash', error: { name: 'SandboxProtocolError' } });
        expect(outcome.error.message).toMatch(message);
        expect(await misbehaving.run(job('', { sourceName: 'honest' }), recordingHost().host)).toEqual({
          ok: true,
          value: 'fine',
        });
      } finally {
        await misbehaving.close();
      }
    },
  );
});

describe('the runner process, the second layer (as if user code had escaped its isolate)', () => {
  const standIn = fileURLToPath(new URL('./fixtures/stand-in-runner.cjs', import.meta.url));

  it('denies files, child processes, threads, signals to the worker and the network, with an empty environment', async () => {
    const server = net.createServer((socket) => socket.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const probing = await createSandboxPool({ minIdle: 0, max: 1, testing: { runnerProgram: standIn } });
    try {
      const files = [
        '/proc/self/environ',
        '/proc/PARENT/environ',
        '/etc/passwd',
        fileURLToPath(import.meta.url),
      ];
      const outcome = await probing.run(
        job('', {
          sourceName: 'probe',
          context: { files, port, socketPath: '/var/run/postgresql/.s.PGSQL.5432' },
        }),
        recordingHost().host,
      );
      if (!outcome.ok) throw new Error(outcome.error.message);
      const result = outcome.value as Record<string, unknown>;
      expect(result).toMatchObject({
        env: 0,
        files: Object.fromEntries(files.map((file) => [file, 'ERR_ACCESS_DENIED'])),
        childProcess: 'ERR_ACCESS_DENIED',
        workerThread: 'ERR_ACCESS_DENIED',
      });
      if (process.getuid?.() === 0) {
        // Root's runners run as nobody: they cannot signal the worker.
        expect(result).toMatchObject({ uid: 65534, signalWorker: 'EPERM' });
      }
      // A network namespace of its own where the worker may create one; else Node 24 leaves TCP open
      // (the isolate is then the only wall, and no service may trust loopback: see docs/sandbox.md).
      if (canIsolateNetwork()) expect(result.tcp).toBe('ENETUNREACH');
      // A network namespace does not cover Unix sockets at a file path, nor does Node 24's permission
      // model: where it may, the runner gets a mount namespace with /run (the services' sockets) empty.
      if (canHideRunSockets()) expect(result.unixSocket).toBe('ENOENT');
      expect(JSON.stringify(result)).not.toContain(secret);
    } finally {
      await probing.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a runner killed from outside as a crash, and replaces it', async () => {
    const { host, runners } = recordingHost(() => {
      process.kill(runners[0]!, 'SIGKILL');
      return new Promise(() => {});
    });
    const outcome = failed(await pool.run(job('await this.call("wait");'), host));
    expect(outcome).toMatchObject({
      reason: 'crash',
      error: { name: 'SandboxCrashError', message: expect.stringContaining('signal SIGKILL') },
    });
    expect(await pool.run(job('return "after crash";'), recordingHost().host)).toEqual({
      ok: true,
      value: 'after crash',
    });
  });
});

describe('runaways', () => {
  it('kills an infinite loop at the time limit, and the pool runs the next job', async () => {
    const outcome = failed(await pool.run(job('for (;;) {}', { timeoutMs: 300 }), recordingHost().host));
    expect(outcome).toEqual({
      ok: false,
      reason: 'timeout',
      error: { name: 'TimeoutError', message: 'Execution exceeded its time limit of 0.3 s' },
    });
    expect(await pool.run(job('return "after loop";'), recordingHost().host)).toEqual({
      ok: true,
      value: 'after loop',
    });
  });

  it('kills a run past its CPU time limit long before its wall-clock limit', async () => {
    const outcome = failed(
      await pool.run(job('for (;;) {}', { timeoutMs: 60_000, cpuLimitMs: 500 }), recordingHost().host),
    );
    expect(outcome).toEqual({
      ok: false,
      reason: 'timeout',
      error: {
        name: 'CpuTimeExceededError',
        message: 'Execution used more than its CPU time limit of 0.5 s',
      },
    });
    expect(await pool.run(job('return "after the loop";'), recordingHost().host)).toEqual({
      ok: true,
      value: 'after the loop',
    });
  });

  it('kills unbounded allocation at the heap limit', async () => {
    const outcome = failed(
      await pool.run(
        job('const hoard = []; for (;;) hoard.push({ n: hoard.length, s: "x" + hoard.length });'),
        recordingHost().host,
      ),
    );
    expect(outcome).toEqual({
      ok: false,
      reason: 'memory',
      error: { name: 'OutOfMemoryError', message: 'Execution ran out of memory (limit 48 MB)' },
    });
    expect(await pool.run(job('return "after bomb";'), recordingHost().host)).toEqual({
      ok: true,
      value: 'after bomb',
    });
  });

  it('counts binary data (ArrayBuffer, typed arrays) against the same memory limit', async () => {
    const outcome = failed(
      await pool.run(
        job('const hoard = []; for (;;) { hoard.push(new Uint8Array(8e6).fill(1)); await null; }'),
        recordingHost().host,
      ),
    );
    expect(outcome).toEqual({
      ok: false,
      reason: 'memory',
      error: { name: 'OutOfMemoryError', message: 'Execution ran out of memory (limit 48 MB)' },
    });
    expect(await pool.run(job('return "after buffers";'), recordingHost().host)).toEqual({
      ok: true,
      value: 'after buffers',
    });
  });

  it('fails the job, not the runner, on an unhandled rejection or a throw in a timer', async () => {
    const rejection = failed(
      await pool.run(
        job(
          'Promise.reject(new RangeError("nobody handles me")); await new Promise((r) => setTimeout(r, 1000));',
        ),
        recordingHost().host,
      ),
    );
    expect(rejection).toMatchObject({
      reason: 'thrown',
      error: { name: 'RangeError', message: 'nobody handles me' },
    });
    const timer = failed(
      await pool.run(
        job('setTimeout(() => { throw new TypeError("from a timer"); }, 1); await new Promise(() => {});'),
        recordingHost().host,
      ),
    );
    expect(timer).toMatchObject({ reason: 'thrown', error: { name: 'TypeError', message: 'from a timer' } });
  });

  it('cancels a running job when its signal aborts', async () => {
    const controller = new AbortController();
    const { host } = recordingHost(() => controller.abort());
    const outcome = failed(
      await pool.run(job('await this.call("abort me"); await new Promise(() => {});'), host, {
        signal: controller.signal,
      }),
    );
    expect(outcome).toMatchObject({ reason: 'cancelled' });
    expect(await pool.run(job('return "after cancel";'), recordingHost().host)).toEqual({
      ok: true,
      value: 'after cancel',
    });
  });
});

describe('stack traces', () => {
  it("point at the user's TypeScript lines and show no runner internals", async () => {
    const source = [
      'type Order = { id: number };', // 1
      '', // 2
      'function check(order: Order): void {', // 3
      '  if (order.id < 0) {', // 4
      '    throw new Error(`bad order ${order.id}`);', // 5
      '  }', // 6
      '}', // 7
      '', // 8
      'export default async function handler(): Promise<void> {', // 9
      '  check({ id: -1 });', // 10
      '}', // 11
    ].join('\n');
    const compiled = await transform(source, {
      loader: 'ts',
      format: 'esm',
      sourcemap: 'external',
      sourcefile: 'my-flow.ts',
    });
    const outcome = failed(
      await pool.run(
        job('', { code: compiled.code, sourceMap: compiled.map, sourceName: 'flow:my-flow@v2' }),
        recordingHost().host,
      ),
    );
    const frames = (outcome.error.stack ?? '').split('\n');
    expect(frames[0]).toBe('Error: bad order -1');
    expect(frames[1]).toMatch(/^\s+at check \(flow:my-flow@v2:5:11\)$/);
    // The line is exact; the column of a call is only as precise as the two composed source maps.
    expect(frames[2]).toMatch(/^\s+at (Object\.)?handler \(flow:my-flow@v2:10:\d+\)$/);
    expect(frames).toHaveLength(3);
    expect(outcome.error.stack).not.toMatch(/runner|node:internal|\/tmp\//);
  });

  it('show user code only its own frames, and map them with mapJobStack', async () => {
    const source =
      'export default async function handler(): Promise<string> {\n  const e = new Error("seen");\n  return e.stack ?? "";\n}';
    const compiled = await transform(source, {
      loader: 'ts',
      format: 'esm',
      sourcemap: 'external',
      sourcefile: 'f.ts',
    });
    const mapped = { code: compiled.code, sourceMap: compiled.map, sourceName: 'flow:seen@v1' };
    const outcome = await pool.run(job('', mapped), recordingHost().host);
    if (!outcome.ok) throw new Error(outcome.error.message);
    const stack = String(outcome.value);
    expect(stack).toMatch(/^Error: seen\n\s+at (Object\.)?handler \(flow:seen@v1:\d+:\d+\)$/);
    expect(await mapJobStack(mapped, stack)).toMatch(
      /^Error: seen\n\s+at (Object\.)?handler \(flow:seen@v1:2:13\)$/,
    );
  });
});
