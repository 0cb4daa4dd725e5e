import type { Db } from '../store/db';
import { saveFlowVersion } from '../store/flow-versions';
import { FlowNotFoundError } from '../store/flows';
import { compileFlowCode, packCompiled } from './compile';

/**
 * Saves a code flow's new source: compiles it first, so a syntax error (FlowSyntaxError, with line
 * and column) changes nothing and the last good version stays the one that runs.
 */
export async function saveCodeFlow(
  db: Db,
  input: { flowId: string; flowName: string; code: string; baseVersion?: number; userId: string | null },
): Promise<{ version: number }> {
  const compiled = await compileFlowCode(input.code, `${input.flowName}.ts`);
  const saved = await saveFlowVersion(db, {
    flowId: input.flowId,
    kind: 'code',
    expectKind: 'code',
    baseVersion: input.baseVersion,
    code: input.code,
    graph: null,
    compiled: packCompiled(compiled),
    userId: input.userId,
  });
  if (!saved) throw new FlowNotFoundError(`no code flow has the id '${input.flowId}'`);
  return saved;
}
