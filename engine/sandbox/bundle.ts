import { build } from 'esbuild';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const defaultRunnerSource = fileURLToPath(new URL('./runner.ts', import.meta.url));

const bundles = new Map<string, Promise<string>>();

/**
 * The runner program as ONE self-contained CommonJS file (no node_modules, no other file to read), so
 * the permission model can allow reading exactly that file. Built once per process and source, and
 * written under the temp folder by content hash, so processes that share a machine share the file.
 */
export function runnerBundle(runnerSource = defaultRunnerSource): Promise<string> {
  let bundle = bundles.get(runnerSource);
  if (!bundle) {
    bundle = writeRunnerBundle(runnerSource);
    bundles.set(runnerSource, bundle);
    bundle.catch(() => bundles.delete(runnerSource));
  }
  return bundle;
}

async function writeRunnerBundle(runnerSource: string): Promise<string> {
  const result = await build({
    entryPoints: [runnerSource],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    write: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new Error(`bundling the sandbox runner ${runnerSource} produced no output`);

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
