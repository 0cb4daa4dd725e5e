import { sql } from 'kysely';
import { UserError } from '../errors';
import { assertValidFlowName } from '../flows/name';
import { didYouMean } from '../names/closest-name';
import type { Db } from './db';
import type { Graph } from '../graph/model';
import type { Flow, FlowKind } from './database';
import { syncFlowTriggers } from './triggers';

export class FlowNotFoundError extends UserError {
  override name = 'FlowNotFoundError';
  readonly kind = 'not_found';
}

export class FlowNameTakenError extends UserError {
  override name = 'FlowNameTakenError';
  readonly kind = 'conflict';
}

/**
 * What a new code flow starts with until its author writes their own. Typed, so the editor completes
 * `this.` from the first keystroke (esbuild strips the types when it is saved).
 */
export const STARTER_FLOW_CODE = `export default async function handler(this: Execution, system: System) {
  await this.log('started with input', this.input);
  return this.success('done');
}
`;

export type FlowSummary = Pick<Flow, 'id' | 'name' | 'kind' | 'version' | 'created_at' | 'updated_at'>;

const summaryColumns = ['id', 'name', 'kind', 'version', 'created_at', 'updated_at'] as const;

export async function listFlows(db: Db): Promise<FlowSummary[]> {
  return db
    .selectFrom('flows')
    .select(summaryColumns)
    .orderBy(sql`lower(name)`)
    .orderBy('name')
    .execute();
}

/** "flow 'x' does not exist", naming the existing flow it is likely a typo of. */
export async function flowNotFoundMessage(db: Db, name: string): Promise<string> {
  const flows = await db.selectFrom('flows').select('name').orderBy('name').execute();
  return `flow '${name}' does not exist${didYouMean(
    name,
    flows.map((flow) => flow.name),
  )}`;
}

export async function getFlowByName(db: Db, name: string): Promise<Flow> {
  const flow = await db.selectFrom('flows').selectAll().where('name', '=', name).executeTakeFirst();
  if (!flow) throw new FlowNotFoundError(await flowNotFoundMessage(db, name));
  return flow;
}

export async function getFlowById(db: Db, id: string): Promise<Flow> {
  const flow = await db.selectFrom('flows').selectAll().where('id', '=', id).executeTakeFirst();
  if (!flow) throw new FlowNotFoundError(`no flow has the id '${id}'`);
  return flow;
}

/** Creates a flow and its version 1 in one transaction. */
export async function createFlow(
  db: Db,
  input: {
    name: string;
    kind?: FlowKind;
    /** A code flow's source, or a graph flow's compiled module. */
    code?: string;
    graph?: Graph;
    /** The JavaScript of `code`, when the caller compiled it (the worker compiles it otherwise). */
    compiled?: string;
    userId: string | null;
  },
): Promise<FlowSummary> {
  assertValidFlowName(input.name);
  const kind = input.kind ?? 'code';
  const code = input.code ?? (kind === 'code' ? STARTER_FLOW_CODE : null);
  const graph = kind === 'graph' ? JSON.stringify(input.graph ?? { nodes: [], edges: [] }) : null;
  const compiled = input.compiled ?? null;
  try {
    return await db.transaction().execute(async (trx) => {
      const flow = await trx
        .insertInto('flows')
        .values({ name: input.name, kind, code, graph, created_by: input.userId, updated_by: input.userId })
        .returning(summaryColumns)
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('flow_versions')
        .values({
          flow_id: flow.id,
          version: flow.version,
          kind,
          code,
          graph,
          compiled,
          created_by: input.userId,
        })
        .execute();
      await syncFlowTriggers(trx, flow.id, kind === 'graph' ? (input.graph ?? null) : null);
      return flow;
    });
  } catch (error) {
    throw nameTakenOr(error, input.name);
  }
}

/** The webhook names the current versions of graph flows use, with the flow that uses each. */
export async function listWebhookNames(db: Db): Promise<{ name: string; flow: string }[]> {
  return db
    .selectFrom('webhooks')
    .innerJoin('flows', 'flows.id', 'webhooks.flow_id')
    .select(['webhooks.name', 'flows.name as flow'])
    .execute();
}

/** A webhook node of a graph flow's current version, with what a call needs to start its flow. */
export type WebhookTarget = {
  flow: { id: string; name: string; kind: string; version: number; timeout_seconds: number };
  nodeId: string;
  params: Record<string, unknown>;
};

/**
 * The webhook named `name` and its flow, in one query (a call's only read before it starts): the
 * `webhooks` table's primary key finds the flow, whose current graph holds the node's params.
 */
export async function findWebhook(db: Db, name: string): Promise<WebhookTarget | undefined> {
  const result = await sql<{
    id: string;
    name: string;
    kind: string;
    version: number;
    timeout_seconds: number;
    node: { id: string; params: Record<string, unknown> };
  }>`
    select f.id, f.name, f.kind, f.version, f.timeout_seconds, node
      from webhooks w
      join flows f on f.id = w.flow_id,
           jsonb_path_query(f.graph, '$.nodes[*] ? (@.id == $id)', jsonb_build_object('id', w.node_id)) as node
     where w.name = ${name}
     limit 1`.execute(db);
  const row = result.rows[0];
  if (!row) return undefined;
  const { node, ...flow } = row;
  return { flow, nodeId: node.id, params: node.params };
}

/** The most a flow's timeout may be: a day (a longer wait belongs in this.sleep, which holds no runner). */
export const MAX_FLOW_TIMEOUT_SECONDS = 86_400;

/** Sets how long a run of the flow may take before it is stopped (TimeoutExceededError). */
export async function setFlowTimeout(
  db: Db,
  id: string,
  timeoutSeconds: number,
  userId: string | null,
): Promise<{ id: string; timeout_seconds: number }> {
  const flow = await db
    .updateTable('flows')
    .set({ timeout_seconds: timeoutSeconds, updated_at: new Date(), updated_by: userId })
    .where('id', '=', id)
    .returning(['id', 'timeout_seconds'])
    .executeTakeFirst();
  if (!flow) throw new FlowNotFoundError(`no flow has the id '${id}'`);
  return flow;
}

export async function renameFlow(
  db: Db,
  id: string,
  newName: string,
  userId: string | null,
): Promise<FlowSummary> {
  assertValidFlowName(newName);
  try {
    const flow = await db
      .updateTable('flows')
      .set({ name: newName, updated_at: new Date(), updated_by: userId })
      .where('id', '=', id)
      .returning(summaryColumns)
      .executeTakeFirst();
    if (!flow) throw new FlowNotFoundError(`no flow has the id '${id}'`);
    return flow;
  } catch (error) {
    throw nameTakenOr(error, newName);
  }
}

/** Deletes a flow and (by cascade) its versions. */
export async function deleteFlow(db: Db, id: string): Promise<void> {
  const result = await db.deleteFrom('flows').where('id', '=', id).executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new FlowNotFoundError(`no flow has the id '${id}'`);
}

function nameTakenOr(error: unknown, name: string): unknown {
  const pgError = error as { code?: string; constraint?: string };
  if (pgError.code === '23505' && pgError.constraint === 'flows_name_key') {
    return new FlowNameTakenError(`a flow named '${name}' already exists`);
  }
  return error;
}
