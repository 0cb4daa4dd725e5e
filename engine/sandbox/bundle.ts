import { build } from 'esbuild';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runnerEntry = fileURLToPath(new URL('./runner.ts', import.meta.url));
const defaultFlowApi = fileURLToPath(new URL('../api/runner-api.ts', import.meta.url));

export type RunnerBundleOptions = {
  /** The module exporting createFlowApi (default engine/api/runner-api.ts; tests hand in a probe). */
  flowApi?: string;
  /** Tests only: keep process.kill, getBuiltinModule... to prove what the permission model alone denies. */
  keepProcessPowers?: boolean;
};

const bundles = new Map<string, Promise<string>>();

/**
 * The runner program as ONE self-contained CommonJS file (no node_modules, no other file to read), so
 * the permission model can allow reading exactly that file. Built once per process and options, and
 * written under the temp folder by content hash, so processes on one machine share the file.
 */
export function runnerBundle(options: RunnerBundleOptions = {}): Promise<string> {
  const key = JSON.stringify([options.flowApi ?? defaultFlowApi, options.keepProcessPowers === true]);
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = writeRunnerBundle(options.flowApi ?? defaultFlowApi, options.keepProcessPowers === true);
    bundles.set(key, bundle);
    bundle.catch(() => bundles.delete(key));
  }
  return bundle;
}

async function writeRunnerBundle(flowApi: string, keepProcessPowers: boolean): Promise<string> {
  const text = await bundleRunner(flowApi, keepProcessPowers);
  const uid = process.getuid?.() ?? 0;
  // Readable by all (0755/0644): a runner may run as another user (see the pool's runnerUser option).
  const dir = path.join(os.tmpdir(), `flowline-sandbox-${uid}`);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const stat = await lstat(dir);
  if (!stat.isDirectory() || stat.uid !== uid) {
    throw new Error(`${dir} is not a directory owned by this user: refusing to put the sandbox runner there`);
  }
  await chmod(dir, 0o755);

  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = path.join(dir, `runner-${hash}.cjs`);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing === text) return file;
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, text, { mode: 0o644 });
  await chmod(temporary, 0o644);
  await rename(temporary, file);
  return file;
}

async function bundleRunner(flowApi: string, keepProcessPowers: boolean): Promise<string> {
  // The flow API runs inside each job's vm context, where there is no require: it must be
  // self-contained, which the 'neutral' platform enforces (a Node import fails the build here).
  const api = await build({
    entryPoints: [flowApi],
    bundle: true,
    platform: 'neutral',
    format: 'iife',
    globalName: 'flowApiExports',
    target: 'es2023',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  }).catch((error: unknown) => {
    throw new Error(
      `the flow API (${flowApi}) must be self-contained, it runs inside the sandbox's vm context: ${String(error)}`,
    );
  });
  const apiText = api.outputFiles[0]?.text;
  if (apiText === undefined) throw new Error(`bundling the flow API ${flowApi} produced no output`);
  // Wrapped so that the exports stay local to the script instead of becoming a global of the job.
  const flowApiSource = `(function () {\n${apiText}\nreturn flowApiExports;\n})()`;

  const runner = await build({
    entryPoints: [runnerEntry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    define: {
      __FLOW_API_SOURCE__: JSON.stringify(flowApiSource),
      __KEEP_PROCESS_POWERS__: String(keepProcessPowers),
    },
  });
  const text = runner.outputFiles[0]?.text;
  if (text === undefined) throw new Error('bundling the sandbox runner produced no output');
  return text;
}
