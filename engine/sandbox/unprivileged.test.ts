/**
 * The isolate holds without the second wall's root-only parts (issue 8: "run as root and again as an
 * unprivileged user"): a worker of an unprivileged user can create no network namespace and change
 * to no other user, so its runners keep the network and its uid. When the tests run as root, the
 * checks run in a process of the user nobody; otherwise they run as the user the tests run as.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const check = fileURLToPath(new URL('./fixtures/unprivileged-check.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

function runCheck(): Promise<Record<string, unknown>> {
  const node = [process.execPath, '--import', 'tsx', check];
  const asRoot = process.getuid?.() === 0;
  const [command, ...args] = asRoot
    ? ['setpriv', '--reuid', '65534', '--regid', '65534', '--clear-groups', '--', ...node]
    : node;
  return new Promise((resolve, reject) => {
    // The cast only drops Next's NODE_ENV typing: the check needs nothing of the test's environment.
    const env = { PATH: process.env.PATH ?? '' } as unknown as NodeJS.ProcessEnv;
    const child = spawn(command!, args, { cwd: root, env, stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        reject(new Error(`the check exited ${code}: ${out}\n${err}`));
      }
    });
  });
}

describe('the sandbox in an unprivileged worker', () => {
  it('keeps user code from every way to the runner process', async () => {
    const results = await runCheck();
    if (process.getuid?.() === 0) expect(results.uid).toBe(65534);
    expect(results).toMatchObject({
      console: 'undefined',
      require: 'undefined',
      timer: 'undefined',
      flowApi: 'undefined',
      globals: 'none',
      socket: 'ReferenceError',
    });
  }, 60_000);
});
