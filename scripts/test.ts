/**
 * `npm test`: every check, in order, on one database server. Without DATABASE_URL an embedded
 * PostgreSQL (its own cluster under <data dir>/test) serves the whole run and is stopped afterwards.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readEngineConfig } from '../engine/config';
import { resolveDatabase } from '../engine/postgres/resolve';
import { runMain } from './lib/bootstrap';

const root = path.resolve(import.meta.dirname, '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const CHROMIUM = '/usr/bin/chromium';

type Step = { name: string; command: string; args: string[] };

const steps: Step[] = [
  { name: 'typecheck', command: bin('tsc'), args: ['--noEmit'] },
  { name: 'lint', command: bin('eslint'), args: ['.', '--max-warnings', '0'] },
  { name: 'format', command: bin('prettier'), args: ['--check', '.', '--log-level', 'warn'] },
  { name: 'unit and integration tests', command: bin('vitest'), args: ['run'] },
  { name: 'build', command: bin('next'), args: ['build'] },
  { name: 'browser tests', command: bin('playwright'), args: ['test'] },
];

function run(step: Step, env: NodeJS.ProcessEnv): Promise<number> {
  console.log(`\n=== ${step.name}: ${path.basename(step.command)} ${step.args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, { cwd: root, env, stdio: 'inherit' });
    child.on('close', (code) => resolve(code ?? 1));
  });
}

type Totals = { passed: number; failed: number; skipped: number };

/** Adds up Vitest's and Playwright's JSON reports into one closing line. */
function readTotals(): Totals {
  const totals: Totals = { passed: 0, failed: 0, skipped: 0 };
  const vitest = readJson(path.join(root, 'test-results', 'vitest.json'));
  if (vitest) {
    totals.passed += vitest.numPassedTests ?? 0;
    totals.failed += vitest.numFailedTests ?? 0;
    totals.skipped += (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
  }
  const playwright = readJson(path.join(root, 'test-results', 'playwright.json'));
  if (playwright?.stats) {
    totals.passed += (playwright.stats.expected ?? 0) + (playwright.stats.flaky ?? 0);
    totals.failed += playwright.stats.unexpected ?? 0;
    totals.skipped += playwright.stats.skipped ?? 0;
  }
  return totals;
}

// The reports are other tools' JSON: read loosely, each field checked where used.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function readJson(file: string): any {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

runMain(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing; the browser tests need Debian's Chromium. Install it with:\n` +
        '  apt-get update && apt-get install -y chromium',
    );
  }
  fs.rmSync(path.join(root, 'test-results'), { recursive: true, force: true });
  const config = readEngineConfig();
  const database = await resolveDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: path.join(config.dataDir, 'test'),
    log: (line) => console.log(`[test] ${line}`),
  });
  const env = { ...process.env, DATABASE_URL: database.url, FLOWLINE_DATA_DIR: config.dataDir };
  let failedStep: string | undefined;
  try {
    for (const step of steps) {
      if ((await run(step, env)) !== 0) {
        failedStep = step.name;
        break;
      }
    }
  } finally {
    await database.stop();
  }
  const totals = readTotals();
  if (failedStep) console.log(`\nFAILED at: ${failedStep}`);
  console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exit(failedStep ? 1 : 0);
});
