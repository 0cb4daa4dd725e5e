import { transform, type TransformFailure } from 'esbuild';
import { UserError } from '../errors';

/** A code flow that does not parse: the message names the line and column. */
export class FlowSyntaxError extends UserError {
  override name = 'FlowSyntaxError';
  readonly kind = 'invalid';
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

export type CompiledModule = { code: string; sourceMap: string };

const SOURCE_MAP_MARKER = '\n//# sourceMappingURL=data:application/json;base64,';

/**
 * TypeScript -> JavaScript (ES module) with a source map back to the user's lines. Types are erased,
 * not checked: the editor checks them; the engine only refuses what cannot run.
 */
export async function compileFlowCode(source: string, sourceName: string): Promise<CompiledModule> {
  try {
    const result = await transform(source, {
      loader: 'ts',
      format: 'esm',
      target: 'node22',
      sourcemap: 'external',
      sourcefile: sourceName,
      sourcesContent: false,
    });
    return { code: result.code, sourceMap: result.map };
  } catch (error) {
    const failure = error as Partial<TransformFailure>;
    const first = failure.errors?.[0];
    if (first) {
      const line = first.location?.line ?? 1;
      // esbuild counts columns from 0; editors (and people) from 1.
      const column = (first.location?.column ?? 0) + 1;
      throw new FlowSyntaxError(
        `syntax error at line ${line}, column ${column}: ${first.text}`,
        line,
        column,
      );
    }
    throw error;
  }
}

/** What flow_versions.compiled holds: the JavaScript with its source map appended inline. */
export function packCompiled(module: CompiledModule): string {
  return `${module.code}${SOURCE_MAP_MARKER}${Buffer.from(module.sourceMap).toString('base64')}\n`;
}

export function unpackCompiled(compiled: string): CompiledModule {
  const at = compiled.lastIndexOf(SOURCE_MAP_MARKER);
  if (at < 0) return { code: compiled, sourceMap: '' };
  const encoded = compiled.slice(at + SOURCE_MAP_MARKER.length).trim();
  return { code: compiled.slice(0, at), sourceMap: Buffer.from(encoded, 'base64').toString('utf8') };
}
