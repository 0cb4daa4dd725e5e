import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY } from '../engine/runtime/testing';
import { createTestDatabase } from '../test/database';

const root = path.resolve(import.meta.dirname, '..');
const { url: databaseUrl } = await createTestDatabase();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowline-signals-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/**
 * The live processes of a process group, from /proc (Linux, like the embedded PostgreSQL). Zombies do not
 * count: an orphan that has exited waits for PID 1 to reap it, and some containers' PID 1 never does.
 */
function liveMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so split after the last ")".
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid || state === 'Z') continue;
      const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      members.push(`${pid} ${args}`);
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

describe('the documented commands stop on SIGTERM sent to npm', () => {
  it('`npm run worker`: the worker stops gracefully, npm exits and nothing is left running', async () => {
    // Exactly as a user or a process manager runs it; its own process group, so that whatever it started
    // can be found (and, whatever the outcome, killed) afterwards.
    const npm = spawn('npm', ['run', 'worker'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        FLOWLINE_DATA_DIR: dataDir,
        FLOWLINE_SECRET_KEY: TEST_SECRET_KEY,
        WORKER_CONCURRENCY: '2',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pgid = npm.pid!;
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    npm.once('exit', (code, signal) => (exit = { code, signal }));
    let closed = false; // exited and its output read to the end
    npm.once('close', () => (closed = true));
    try {
      const ready = await waitFor(() => output.includes('[worker] ready') || exit !== undefined, 60_000);
      expect(ready && exit === undefined, `the worker did not become ready:\n${output}`).toBe(true);

      process.kill(pgid, 'SIGTERM'); // npm's own pid, nothing else
      const exited = await waitFor(() => exit !== undefined, 30_000);
      await waitFor(() => liveMembers(pgid).length === 0, 30_000);
      const leftRunning = liveMembers(pgid);
      if (leftRunning.length === 0) await waitFor(() => closed, 10_000);

      expect({ exited, exit, leftRunning, output }).toMatchObject({
        exited: true,
        exit: { code: 0, signal: null },
        leftRunning: [],
        output: expect.stringMatching(/\[worker\] SIGTERM: stopping\n[\s\S]*\[worker\] worker \S+ stopped\n/),
      });
    } finally {
      if (liveMembers(pgid).length > 0) process.kill(-pgid, 'SIGKILL');
    }
  }, 180_000);
});
