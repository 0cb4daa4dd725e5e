import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from './embedded';

const root = path.resolve(import.meta.dirname, '..', '..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowline-embedded-'));
fs.chmodSync(dataDir, 0o711);

afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('embedded PostgreSQL', () => {
  it('adopts a server whose owner died without stopping it, and stops it itself', async () => {
    // An owner that starts the server and is then killed -9: no chance to stop it.
    const owner = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `import('${path.join(root, 'engine/postgres/embedded.ts')}').then(async (m) => {
           await m.startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)} });
           console.log('started');
           setInterval(() => {}, 1000);
         });`,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      owner.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve());
      owner.once('exit', (code) => reject(new Error(`the owner exited early (${code})`)));
    });
    const exited = new Promise((resolve) => owner.once('exit', resolve));
    owner.kill('SIGKILL');
    await exited;
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    expect(fs.existsSync(pidFile)).toBe(true); // orphaned, still running

    const adopted = await startEmbeddedPostgres({ dataDir });
    expect(adopted.startedHere).toBe(true);
    await adopted.stop();
    expect(fs.existsSync(pidFile)).toBe(false);

    // A clean start afterwards keeps the data and owns its server.
    const again = await startEmbeddedPostgres({ dataDir });
    expect(again.startedHere).toBe(true);
    await again.stop();
  });
});
