import { UserError } from '../errors';
import type { GraphIssue } from '../graph/issues';
import type { Db } from '../store/db';
import { setCompiled } from '../store/flow-versions';
import { createFlow, getFlowByName, renameFlow, setFlowTimeout, type FlowSummary } from '../store/flows';
import { compileFlowCode, packCompiled } from './compile';
import { saveGraphFlow } from './graph-flows';
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
 * Changes a flow: new source (a code flow) or a new graph (a graph flow) becomes a new version, refused
 * whole when it does not compile or validate; a new name renames it. The version is saved before the
 * rename, so a refused rename leaves a valid new version behind rather than a half-applied change.
 */
export async function updateFlow(
  db: Db,
  name: string,
  change: {
    code?: string;
    graph?: unknown;
    newName?: string;
    timeoutSeconds?: number;
    userId: string | null;
  },
): Promise<{ flow: FlowSummary; warnings: GraphIssue[] }> {
  const flow = await getFlowByName(db, name);
  let warnings: GraphIssue[] = [];
  if (change.code !== undefined && flow.kind !== 'code') {
    throw new WrongFlowKindError(
      `flow '${name}' is a graph flow: send \`graph\`, or convert it to code first`,
    );
  }
  if (change.graph !== undefined && flow.kind !== 'graph') {
    throw new WrongFlowKindError(
      `flow '${name}' is a code flow: send \`code\`, or convert it to a graph first`,
    );
  }
  if (change.code !== undefined) {
    await saveCodeFlow(db, {
      flowId: flow.id,
      flowName: flow.name,
      code: change.code,
      userId: change.userId,
    });
  }
  if (change.graph !== undefined) {
    ({ warnings } = await saveGraphFlow(db, {
      flowId: flow.id,
      flowName: flow.name,
      graph: change.graph,
      userId: change.userId,
    }));
  }
  if (change.timeoutSeconds !== undefined) {
    await setFlowTimeout(db, flow.id, change.timeoutSeconds, change.userId);
  }
  if (change.newName !== undefined && change.newName !== flow.name) {
    return { flow: await renameFlow(db, flow.id, change.newName, change.userId), warnings };
  }
  const { id, kind, version, created_at, updated_at } = await getFlowByName(db, name);
  return { flow: { id, name, kind, version, created_at, updated_at }, warnings };
}

/** A change for the other kind of flow (code sent to a graph flow, or a graph to a code flow). */
export class WrongFlowKindError extends UserError {
  override name = 'WrongFlowKindError';
  readonly kind = 'invalid';
}
