import { transform } from 'esbuild';
import { createHash } from 'node:crypto';
import { SourceMap } from 'node:module';
import type { SandboxJob } from './types';

/** A user module made ready for a runner: CommonJS the runner can compile, and the maps back to the user's lines. */
export type PreparedModule = {
  code: string;
  /** Positions in `code` -> positions in the job's ES module. */
  toModule: SourceMap;
  /** Positions in the job's ES module -> the user's TypeScript (job.sourceMap), when given. */
  toSource?: SourceMap;
};

export class ModuleLoadError extends Error {
  override name = 'SyntaxError';
}

const cacheLimit = 256;
const cache = new Map<string, Promise<PreparedModule>>();

/**
 * Turns the job's ES module into CommonJS for `vm.compileFunction` in the runner (stable vm API, no
 * experimental module flag), cached by content since a flow version is run many times.
 */
export function prepareModule(
  job: Pick<SandboxJob, 'code' | 'sourceMap' | 'sourceName'>,
): Promise<PreparedModule> {
  const key = createHash('sha256')
    .update(job.code)
    .update('\0')
    .update(job.sourceMap ?? '')
    .update('\0')
    .update(job.sourceName)
    .digest('hex');
  const cached = cache.get(key);
  if (cached) {
    cache.delete(key); // re-insert: most recently used last
    cache.set(key, cached);
    return cached;
  }
  const prepared = transformModule(job);
  cache.set(key, prepared);
  prepared.catch(() => cache.delete(key));
  if (cache.size > cacheLimit) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return prepared;
}

async function transformModule(
  job: Pick<SandboxJob, 'code' | 'sourceMap' | 'sourceName'>,
): Promise<PreparedModule> {
  const toSource = job.sourceMap ? parseSourceMap(job.sourceMap) : undefined;
  try {
    const result = await transform(job.code, {
      loader: 'js',
      format: 'cjs',
      target: 'node22',
      sourcemap: 'external',
      sourcefile: job.sourceName,
      logLevel: 'silent',
    });
    return { code: result.code, toModule: new SourceMap(JSON.parse(result.map)), toSource };
  } catch (error) {
    const first = (
      error as { errors?: { text: string; location?: { line: number; column: number } | null }[] }
    ).errors?.[0];
    if (!first) throw error;
    let where = '';
    if (first.location) {
      const origin = toSource?.findOrigin(first.location.line, first.location.column + 1);
      const line = origin && 'lineNumber' in origin ? origin.lineNumber : first.location.line;
      const column = origin && 'columnNumber' in origin ? origin.columnNumber : first.location.column + 1;
      where = ` (${job.sourceName}:${line}:${column})`;
    }
    throw new ModuleLoadError(`${first.text}${where}`);
  }
}

function parseSourceMap(json: string): SourceMap | undefined {
  try {
    return new SourceMap(JSON.parse(json));
  } catch {
    return undefined; // a broken map only costs the line mapping, never the run
  }
}
