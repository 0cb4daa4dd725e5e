import type { Db } from '../store/db';
import { setCompiled } from '../store/flow-versions';
import { createFlow, getFlowByName, renameFlow, setFlowTimeout, type FlowSummary } from '../store/flows';
import { compileFlowCode, packCompiled } from './compile';
import { saveCodeFlow } from './save';

/**
 * Creates a code flow from its source. The source is compiled first, so a syntax error (with line and
 * column) creates nothing; version 1 is stored with its compiled form.
 */
export async function createCodeFlow(
  db: Db,
  input: { name: string; code?: string; timeoutSeconds?: number; userId: string | null },
): Promise<FlowSummary> {
  const compiled =
    input.code === undefined ? undefined : await compileFlowCode(input.code, `${input.name}.ts`);
  const flow = await createFlow(db, {
    name: input.name,
    kind: 'code',
    code: input.code,
    userId: input.userId,
  });
  if (compiled) await setCompiled(db, flow.id, flow.version, packCompiled(compiled));
  if (input.timeoutSeconds !== undefined)
    await setFlowTimeout(db, flow.id, input.timeoutSeconds, input.userId);
  return flow;
}

/**
 * Changes a code flow: new source becomes a new version (refused whole on a syntax error), a new name
 * renames it. Code is saved before the rename, so a refused rename leaves a valid new version behind
 * rather than a half-applied change to the name.
 */
export async function updateCodeFlow(
  db: Db,
  name: string,
  change: { code?: string; newName?: string; timeoutSeconds?: number; userId: string | null },
): Promise<FlowSummary> {
  const flow = await getFlowByName(db, name);
  if (change.code !== undefined) {
    await saveCodeFlow(db, {
      flowId: flow.id,
      flowName: flow.name,
      code: change.code,
      userId: change.userId,
    });
  }
  if (change.timeoutSeconds !== undefined) {
    await setFlowTimeout(db, flow.id, change.timeoutSeconds, change.userId);
  }
  if (change.newName !== undefined && change.newName !== flow.name) {
    return renameFlow(db, flow.id, change.newName, change.userId);
  }
  const { id, kind, version, created_at, updated_at } = await getFlowByName(db, name);
  return { id, name, kind, version, created_at, updated_at };
}
