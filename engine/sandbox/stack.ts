import { prepareModule, type PreparedModule } from './module';
import type { SandboxJob } from './types';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Rewrites a stack from a runner so that it shows only the user's own frames, at the user's own lines:
 * positions in the prepared CommonJS are mapped back to the ES module and from there to the user's
 * source. Frames of the runner, the flow API or Node's internals are dropped: they are noise to the
 * user and would reveal paths of the machine.
 */
export function mapStack(stack: string, sourceName: string, module: PreparedModule | undefined): string {
  const position = new RegExp(`${escapeRegExp(sourceName)}:(\\d+):(\\d+)`, 'g');
  const lines: string[] = [];
  for (const line of stack.split('\n')) {
    if (!/^\s+at /.test(line)) {
      lines.push(line);
      continue;
    }
    if (!line.includes(`${sourceName}:`)) continue;
    let userCode = true;
    const mapped = line.replace(position, (_match, lineText: string, columnText: string) => {
      const origin = mapPosition(Number(lineText), Number(columnText), module);
      if (!origin) userCode = false;
      return origin ? `${sourceName}:${origin[0]}:${origin[1]}` : _match;
    });
    if (userCode) lines.push(mapped);
  }
  return lines.join('\n');
}

/**
 * 1-based line and column in the prepared code -> 1-based line and column in the user's source; undefined
 * for code the CommonJS conversion added (its helpers are not the user's lines).
 */
export function mapPosition(
  line: number,
  column: number,
  module: PreparedModule | undefined,
): [number, number] | undefined {
  if (!module) return [line, column];
  const inModule = module.toModule.findOrigin(line, column);
  if (!('lineNumber' in inModule)) return undefined;
  if (!module.toSource) return [inModule.lineNumber, inModule.columnNumber];
  const inSource = module.toSource.findOrigin(inModule.lineNumber, inModule.columnNumber);
  // A source map may leave generated glue unmapped: then the module's own position is the best we have.
  if (!('lineNumber' in inSource)) return [inModule.lineNumber, inModule.columnNumber];
  return [inSource.lineNumber, inSource.columnNumber];
}

/**
 * For the runtime: maps a stack that user code produced inside the sandbox (e.g. `this.log(e.stack)`)
 * to the user's own lines, as outcomes already are.
 */
export async function mapJobStack(
  job: Pick<SandboxJob, 'code' | 'sourceMap' | 'sourceName'>,
  stack: string,
): Promise<string> {
  const prepared = await prepareModule(job).catch(() => undefined);
  return mapStack(stack, job.sourceName, prepared);
}
