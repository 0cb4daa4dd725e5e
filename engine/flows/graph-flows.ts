import { compileGraph } from '../compile/compile';
import { decompileGraph } from '../compile/decompile';
import { typeCheckGraph } from '../compile/typecheck';
import { connectors, findConnector } from '../connectors';
import { errorsOf, InvalidGraphError, type GraphIssue } from '../graph/issues';
import { layoutMissingPositions } from '../graph/layout';
import type { Graph } from '../graph/model';
import { validateGraph, type GraphContext, type GraphValidation } from '../graph/validate';
import { listConnectionTypes } from '../store/connections';
import type { Db } from '../store/db';
import { getFlowVersion, saveFlowVersion } from '../store/flow-versions';
import {
  createFlow,
  FlowNotFoundError,
  getFlowByName,
  listFlows,
  listWebhookNames,
  type FlowSummary,
} from '../store/flows';
import { compileFlowCode, packCompiled } from './compile';

/**
 * Graph flows as records (docs/graph.md): every save validates the whole graph against the database
 * (flows, connections, other flows' webhooks) and the flow API's types, compiles it, and stores the
 * graph, its module and the module's JavaScript as one new version. An invalid graph saves nothing:
 * the last valid version stays the one that runs. Warnings (a flow that does not exist yet) are
 * returned, not refused.
 */

/** What the validator needs to know from the database. */
export async function graphContext(db: Db, flowName?: string): Promise<GraphContext> {
  const [flows, connections, webhooks] = await Promise.all([
    listFlows(db),
    listConnectionTypes(db),
    listWebhookNames(db),
  ]);
  const webhookOwners = new Map<string, string>();
  for (const hook of webhooks)
    if (hook.flow !== flowName || !webhookOwners.has(hook.name)) webhookOwners.set(hook.name, hook.flow);
  return {
    flowName,
    flows: new Set(flows.map((flow) => flow.name)),
    connections: new Map(connections.map((connection) => [connection.name, connection.connector_type])),
    connectorSchema: (type) => findConnector(type)?.inputSchema,
    connectorTypes: connectors.map((connector) => connector.type),
    webhookOwners,
  };
}

/** Validates a graph as a save would, without saving: every issue, the canonical graph and its module. */
export async function checkGraph(db: Db, graph: unknown, flowName?: string): Promise<GraphValidation> {
  return validateGraph(graph, { context: await graphContext(db, flowName), typeCheck: typeCheckGraph });
}

type GraphVersion = { graph: Graph; code: string; compiled: string; warnings: GraphIssue[] };

/** A graph ready to store: laid out, valid, compiled. Throws InvalidGraphError with every error. */
async function prepareGraphVersion(db: Db, input: unknown, flowName: string): Promise<GraphVersion> {
  const checked = await checkGraph(db, input, flowName);
  if (!checked.graph || !checked.compiled || errorsOf(checked.issues).length > 0) {
    throw new InvalidGraphError(checked.issues);
  }
  const graph = layoutMissingPositions(checked.graph);
  const code = compileGraph(graph).code;
  const compiled = packCompiled(await compileFlowCode(code, `${flowName}.ts`));
  return { graph, code, compiled, warnings: checked.issues };
}

export async function createGraphFlow(
  db: Db,
  input: { name: string; graph: unknown; userId: string | null },
): Promise<{ flow: FlowSummary; warnings: GraphIssue[] }> {
  const version = await prepareGraphVersion(db, input.graph, input.name);
  const flow = await createFlow(db, {
    name: input.name,
    kind: 'graph',
    graph: version.graph,
    code: version.code,
    compiled: version.compiled,
    userId: input.userId,
  });
  return { flow, warnings: version.warnings };
}

/** Where a new version goes: the flow, the kind it must be now (if any), the version it is based on. */
type VersionTarget = {
  flowId: string;
  expectKind?: 'graph' | 'code';
  baseVersion?: number;
  userId: string | null;
  /** The message when the flow is not there as expected (deleted, or changed kind meanwhile). */
  gone: string;
};

/** Stores a prepared graph as the flow's new version. */
async function storeGraphVersion(db: Db, target: VersionTarget, version: GraphVersion) {
  const saved = await saveFlowVersion(db, {
    flowId: target.flowId,
    kind: 'graph',
    expectKind: target.expectKind,
    baseVersion: target.baseVersion,
    code: version.code,
    graph: version.graph,
    compiled: version.compiled,
    userId: target.userId,
  });
  if (!saved) throw new FlowNotFoundError(target.gone);
  return { version: saved.version, warnings: version.warnings };
}

/** Compiles code and stores it as the flow's new version (a code flow's). */
async function storeCodeVersion(db: Db, target: VersionTarget, code: string, flowName: string) {
  const saved = await saveFlowVersion(db, {
    flowId: target.flowId,
    kind: 'code',
    expectKind: target.expectKind,
    baseVersion: target.baseVersion,
    code,
    graph: null,
    compiled: packCompiled(await compileFlowCode(code, `${flowName}.ts`)),
    userId: target.userId,
  });
  if (!saved) throw new FlowNotFoundError(target.gone);
  return { version: saved.version };
}

/** A new version of a graph flow. */
export async function saveGraphFlow(
  db: Db,
  input: { flowId: string; flowName: string; graph: unknown; baseVersion?: number; userId: string | null },
): Promise<{ version: number; warnings: GraphIssue[] }> {
  const version = await prepareGraphVersion(db, input.graph, input.flowName);
  return storeGraphVersion(
    db,
    { ...input, expectKind: 'graph', gone: `no graph flow has the id '${input.flowId}'` },
    version,
  );
}

/**
 * Drop to code: the graph flow becomes a code flow whose source is its compiled module, as a new
 * version (the graph stays in the history). A code flow is left as it is.
 */
export async function convertFlowToCode(
  db: Db,
  name: string,
  userId: string | null,
): Promise<{ version: number }> {
  const flow = await getFlowByName(db, name);
  if (flow.kind === 'code') return { version: flow.version };
  const code = flow.code ?? compileGraph(flow.graph as Graph).code;
  const target = {
    flowId: flow.id,
    expectKind: 'graph' as const,
    userId,
    gone: changedWhileConverting(name),
  };
  return storeCodeVersion(db, target, code, flow.name);
}

/**
 * Back to a graph: a code flow in the compiled module's shape reads back into its graph (changes made in
 * code included), validated like any save. Code out of that shape is refused with the line that leaves
 * it (NotGraphShapedError).
 */
export async function convertFlowToGraph(
  db: Db,
  name: string,
  userId: string | null,
): Promise<{ version: number; warnings: GraphIssue[] }> {
  const flow = await getFlowByName(db, name);
  if (flow.kind === 'graph') return { version: flow.version, warnings: [] };
  const version = await prepareGraphVersion(db, decompileGraph(flow.code ?? ''), flow.name);
  const target = { flowId: flow.id, expectKind: 'code' as const, userId, gone: changedWhileConverting(name) };
  return storeGraphVersion(db, target, version);
}

function changedWhileConverting(name: string): string {
  return `flow '${name}' changed while it was converted; try again`;
}

/**
 * Makes an earlier version the flow's latest again, as a new version (the history only grows). A graph
 * version is validated as any save is (what it names may have changed since); a code version compiles.
 */
export async function restoreFlowVersion(
  db: Db,
  input: { name: string; version: number; baseVersion?: number; userId: string | null },
): Promise<{ version: number; warnings: GraphIssue[] }> {
  const flow = await getFlowByName(db, input.name);
  const old = await getFlowVersion(db, flow.id, input.version);
  if (!old) throw new FlowNotFoundError(`flow '${flow.name}' has no version ${input.version}`);
  const target = {
    flowId: flow.id,
    baseVersion: input.baseVersion,
    userId: input.userId,
    gone: `no flow has the id '${flow.id}'`,
  };
  if (old.kind === 'graph')
    return storeGraphVersion(db, target, await prepareGraphVersion(db, old.graph, flow.name));
  return { ...(await storeCodeVersion(db, target, old.code ?? '', flow.name)), warnings: [] };
}

/**
 * Switches a trigger node (webhook or schedule) on or off: the Webhooks and Schedules pages' toggle. It
 * is the node's `enabled` param, so the switch is a new version like any other save (validated, and
 * refused over a version saved in between: `baseVersion`).
 */
export async function setTriggerEnabled(
  db: Db,
  input: { flowName: string; nodeId: string; enabled: boolean; baseVersion?: number; userId: string | null },
): Promise<{ version: number; warnings: GraphIssue[] }> {
  const flow = await getFlowByName(db, input.flowName);
  const graph = flow.kind === 'graph' ? (flow.graph as Graph) : undefined;
  const node = graph?.nodes.find(
    (candidate) =>
      candidate.id === input.nodeId && (candidate.type === 'webhook' || candidate.type === 'schedule'),
  );
  if (!graph || !node)
    throw new FlowNotFoundError(`flow '${flow.name}' has no webhook or schedule node '${input.nodeId}'`);
  const switched: Graph = {
    ...graph,
    nodes: graph.nodes.map((candidate) =>
      candidate === node
        ? { ...candidate, params: { ...candidate.params, enabled: input.enabled } }
        : candidate,
    ),
  };
  return saveGraphFlow(db, {
    flowId: flow.id,
    flowName: flow.name,
    graph: switched,
    baseVersion: input.baseVersion ?? flow.version,
    userId: input.userId,
  });
}
