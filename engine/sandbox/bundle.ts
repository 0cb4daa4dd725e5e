import { build } from 'esbuild';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const runnerEntry = fileURLToPath(new URL('./runner.ts', import.meta.url));
const realmEntry = fileURLToPath(new URL('./isolate/index.ts', import.meta.url));
const defaultFlowApi = fileURLToPath(new URL('../api/runner-api.ts', import.meta.url));

export type RunnerBundleOptions = {
  /** The module exporting createFlowApi (default engine/api/runner-api.ts; tests hand in a probe). */
  flowApi?: string;
};

const require = createRequire(import.meta.url);

/**
 * isolated-vm's native binary for this Node: a runner loads it directly (a native addon cannot be
 * bundled), so it needs to read that one file besides its bundle. Found the way isolated-vm itself
 * finds it (node-gyp-build), here in the worker: under the permission model node-gyp-build's probing
 * of the system (/etc/alpine-release...) would be refused.
 */
export function isolatedVmBinary(): string {
  const isolatedVm = path.dirname(require.resolve('isolated-vm/package.json'));
  const nodeGypBuild = createRequire(path.join(isolatedVm, 'package.json'))('node-gyp-build') as {
    resolve(dir: string): string;
  };
  return nodeGypBuild.resolve(isolatedVm);
}

const bundles = new Map<string, Promise<string>>();

/**
 * The runner program as ONE self-contained CommonJS file (no node_modules, no other file to read), so
 * the permission model can allow reading exactly that file. Built once per process and options, and
 * written under the temp folder by content hash, so processes on one machine share the file.
 */
export function runnerBundle(options: RunnerBundleOptions = {}): Promise<string> {
  const key = options.flowApi ?? defaultFlowApi;
  let bundle = bundles.get(key);
  if (!bundle) {
    bundle = writeRunnerBundle(key);
    bundles.set(key, bundle);
    bundle.catch(() => bundles.delete(key));
  }
  return bundle;
}

async function writeRunnerBundle(flowApi: string): Promise<string> {
  const text = await bundleRunner(flowApi);
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

/** One module bundled as a self-contained script for the isolate, evaluating to its exports. */
async function bundleForIsolate(entry: string, what: string): Promise<string> {
  // Nothing of Node exists in the isolate: the 'neutral' platform refuses a Node import at build time.
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'neutral',
    format: 'iife',
    globalName: 'exported',
    // Strict mode: no function of ours offers user code its `caller` or `arguments`.
    banner: { js: "'use strict';" },
    target: 'es2023',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  }).catch((error: unknown) => {
    throw new Error(
      `${what} (${entry}) must be self-contained, it runs inside the sandbox's isolate: ${String(error)}`,
    );
  });
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new Error(`bundling ${what} ${entry} produced no output`);
  // Wrapped so that its exports stay local to the script instead of becoming a global of the job.
  return `(function () {\n${text}\nreturn exported;\n})()`;
}

async function bundleRunner(flowApi: string): Promise<string> {
  const [realm, api] = await Promise.all([
    bundleForIsolate(realmEntry, 'the isolate realm'),
    bundleForIsolate(flowApi, 'the flow API'),
  ]);
  // Evaluated in each job's fresh context: the job's entry, set up with the flow API.
  const realmSource = `(function () {
  const realm = ${realm};
  const flowApi = ${api};
  return function setUpJob(send, parseUrl, sourceName) {
    return realm.setUpJob(send, parseUrl, sourceName, flowApi.createFlowApi);
  };
})()`;
  const runner = await build({
    entryPoints: [runnerEntry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
    external: ['isolated-vm'],
    define: {
      __REALM_SOURCE__: JSON.stringify(realmSource),
      __ISOLATED_VM_PATH__: JSON.stringify(isolatedVmBinary()),
    },
  });
  const text = runner.outputFiles[0]?.text;
  if (text === undefined) throw new Error('bundling the sandbox runner produced no output');
  return text;
}
