/**
 * Sandbox figures (`node --import tsx engine/sandbox/bench.ts`): the cost of a
 * runner start, of a job on a warm runner, and of one flow API round trip. Figures, not assertions.
 */
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runnerBundle } from './bundle';
import { createSandboxPool, forkRunner } from './pool';
import type { SandboxJob } from './types';

export type SandboxFigures = {
  sandbox_fork_ready_p50_ms: number;
  sandbox_empty_job_p50_ms: number;
  sandbox_empty_job_p99_ms: number;
  sandbox_rpc_round_trip_us: number;
  sandbox_jobs_per_s_2_runners: number;
};

export async function measureSandbox(): Promise<SandboxFigures> {
  const runnerFile = await runnerBundle();

  const starts: number[] = [];
  for (let index = 0; index < 10; index++) {
    const started = performance.now();
    const child = forkRunner(runnerFile, 256);
    await new Promise<void>((resolve, reject) => {
      // Its first frame on the channel is 'ready'.
      (child.stdio[3] as Socket).once('data', () => resolve());
      child.once('close', (code) => reject(new Error(`runner ended before it was ready (${code})`)));
    });
    starts.push(performance.now() - started);
    child.kill('SIGKILL');
  }

  const pool = await createSandboxPool({ minIdle: 2, max: 2 });
  const host = { call: async () => ({ ok: true, value: null }) };
  const job = (body: string): SandboxJob => ({
    code: `export default async function handler() {\n${body}\n}`,
    sourceName: 'bench',
    context: { executionId: 'bench', input: null },
    timeoutMs: 60_000,
  });
  try {
    const empty = job('return 1;');
    for (let index = 0; index < 20; index++) await pool.run(empty, host); // warm-up
    const jobs: number[] = [];
    for (let index = 0; index < 300; index++) {
      const started = performance.now();
      await pool.run(empty, host);
      jobs.push(performance.now() - started);
    }

    const calls = 2000;
    const rpcStarted = performance.now();
    const outcome = await pool.run(job(`for (let i = 0; i < ${calls}; i++) await this.log(i);`), host);
    const rpcMs = performance.now() - rpcStarted;
    if (!outcome.ok) throw new Error(`the RPC benchmark job failed: ${outcome.error.message}`);

    const burst = 400;
    const burstStarted = performance.now();
    await Promise.all(Array.from({ length: burst }, () => pool.run(empty, host)));
    const burstS = (performance.now() - burstStarted) / 1000;

    return {
      sandbox_fork_ready_p50_ms: round(percentile(starts, 50)),
      sandbox_empty_job_p50_ms: round(percentile(jobs, 50)),
      sandbox_empty_job_p99_ms: round(percentile(jobs, 99)),
      sandbox_rpc_round_trip_us: round((rpcMs / calls) * 1000),
      sandbox_jobs_per_s_2_runners: Math.round(burst / burstS),
    };
  } finally {
    await pool.close();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measureSandbox()));
}
