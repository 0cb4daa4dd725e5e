import { sql, type Transaction } from 'kysely';
import { graphIssue, InvalidGraphError } from '../graph/issues';
import type { Graph, GraphNode } from '../graph/model';
import type { ScheduleParams } from '../nodes/schedule';
import type { Database, ScheduleCatchUp, ScheduleOverlap } from './database';
import type { Db } from './db';

/** Channel that tells schedule clocks a schedule changed (engine/schedules/clock.ts arms it). */
export const SCHEDULES_CHANNEL = 'flowline_schedules';

/**
 * Makes the `webhooks` and `schedules` tables say what the flow's new current version holds, inside the
 * transaction that stores the version (createFlow, saveFlowVersion): a trigger never outlives its node
 * nor starts before it is saved. `graph` null (a code flow) removes them all.
 *
 * A webhook name another flow took meanwhile (its save committed after ours validated) is refused here
 * by the table's primary key, as the same validation error the save-time check gives.
 */
export async function syncFlowTriggers(
  trx: Transaction<Database>,
  flowId: string,
  graph: Graph | null,
): Promise<void> {
  const nodes = graph?.nodes ?? [];
  await syncWebhooks(
    trx,
    flowId,
    nodes.filter((node) => node.type === 'webhook'),
  );
  await syncSchedules(
    trx,
    flowId,
    nodes.filter((node) => node.type === 'schedule'),
  );
}

async function syncWebhooks(trx: Transaction<Database>, flowId: string, nodes: GraphNode[]): Promise<void> {
  const names = nodes.map((node) => String(node.params.name));
  let stale = trx.deleteFrom('webhooks').where('flow_id', '=', flowId);
  if (names.length > 0) stale = stale.where('name', 'not in', names);
  await stale.execute();
  for (const node of nodes) {
    const name = String(node.params.name);
    const claimed = await trx
      .insertInto('webhooks')
      .values({ name, flow_id: flowId, node_id: node.id })
      // Waits for a concurrent save that inserted the name, then sees its row.
      .onConflict((conflict) =>
        conflict.column('name').doUpdateSet({ node_id: node.id }).where('webhooks.flow_id', '=', flowId),
      )
      .returning('name')
      .executeTakeFirst();
    if (!claimed) throw await webhookTakenError(trx, name, node.id);
  }
}

async function webhookTakenError(
  trx: Transaction<Database>,
  name: string,
  nodeId: string,
): Promise<InvalidGraphError> {
  const owner = await trx
    .selectFrom('webhooks')
    .innerJoin('flows', 'flows.id', 'webhooks.flow_id')
    .select('flows.name')
    .where('webhooks.name', '=', name)
    .executeTakeFirst();
  return new InvalidGraphError([
    graphIssue(
      nodeId,
      `${nodeId}.params.name`,
      `the webhook name '${name}' is used by flow '${owner?.name ?? '(another flow)'}' too; webhook names are unique across flows`,
    ),
  ]);
}

/** A schedule node's params as the clock stores them, defaults filled in. */
export type ScheduleTiming = {
  cron: string;
  timezone: string;
  overlap: ScheduleOverlap;
  catch_up: ScheduleCatchUp;
  enabled: boolean;
};

export function scheduleTiming(params: ScheduleParams): ScheduleTiming {
  return {
    cron: params.cron.trim(),
    timezone: params.timezone ?? 'UTC',
    overlap: params.overlap ?? 'skip',
    catch_up: params.catch_up ?? 'none',
    enabled: params.enabled ?? false,
  };
}

/**
 * Upserts one row per schedule node and deletes the rest. A row whose timing changed gets a new
 * generation and loses its next tick: the clock arms it afresh, and a tick job already sent for the old
 * timing finds its generation gone and does nothing. A change of the overlap policy alone keeps the tick.
 */
async function syncSchedules(trx: Transaction<Database>, flowId: string, nodes: GraphNode[]): Promise<void> {
  const ids = nodes.map((node) => node.id);
  let stale = trx.deleteFrom('schedules').where('flow_id', '=', flowId);
  if (ids.length > 0) stale = stale.where('node_id', 'not in', ids);
  await stale.execute();
  let rearm = false;
  for (const node of nodes) {
    const timing = scheduleTiming(node.params as ScheduleParams);
    const row = await trx
      .insertInto('schedules')
      .values({ flow_id: flowId, node_id: node.id, ...timing })
      .onConflict((conflict) =>
        conflict.columns(['flow_id', 'node_id']).doUpdateSet((eb) => {
          const timingChanged = sql<boolean>`(schedules.cron, schedules.timezone, schedules.catch_up, schedules.enabled)
            is distinct from (${eb.ref('excluded.cron')}, ${eb.ref('excluded.timezone')}, ${eb.ref('excluded.catch_up')}, ${eb.ref('excluded.enabled')})`;
          return {
            ...timing,
            generation: sql<number>`schedules.generation + case when ${timingChanged} then 1 else 0 end`,
            next_fire_at: sql<Date | null>`case when ${timingChanged} then null else schedules.next_fire_at end`,
            updated_at: new Date(),
          };
        }),
      )
      .returning(['enabled', 'generation', 'armed_generation'])
      .executeTakeFirstOrThrow();
    if (row.enabled && row.armed_generation !== row.generation) rearm = true;
  }
  if (rearm) await sql`select pg_notify(${SCHEDULES_CHANNEL}, ${flowId})`.execute(trx);
}

/** A webhook with its flow and its node's params (the Webhooks page). */
export type WebhookSummary = {
  name: string;
  flow_id: string;
  flow_name: string;
  node_id: string;
  params: Record<string, unknown>;
};

export async function listWebhooks(db: Db): Promise<WebhookSummary[]> {
  const result = await sql<WebhookSummary>`
    select w.name, w.flow_id, f.name as flow_name, w.node_id, node->'params' as params
      from webhooks w
      join flows f on f.id = w.flow_id,
           jsonb_path_query(f.graph, '$.nodes[*] ? (@.id == $id)', jsonb_build_object('id', w.node_id)) as node
     order by lower(w.name), w.name`.execute(db);
  return result.rows;
}

export type TriggerRun = {
  trigger_id: string;
  id: string;
  status: string;
  created_at: Date;
  ended_at: Date | null;
  message: string | null;
};

/** The last `perTrigger` WEBHOOK (or SCHEDULE) executions of each trigger (by webhook name / schedule id). */
export async function lastTriggerRuns(
  db: Db,
  type: 'WEBHOOK' | 'SCHEDULE',
  triggerIds: string[],
  perTrigger: number,
): Promise<TriggerRun[]> {
  if (triggerIds.length === 0) return [];
  const result = await sql<TriggerRun>`
    select t.id as trigger_id, e.id, e.status, e.created_at, e.ended_at, e.message
      from unnest(${sql.val(triggerIds)}::text[]) as t(id)
      cross join lateral (
        select id, status, created_at, ended_at, message from executions
         where type = ${sql.lit(type)} and started_by->>'id' = t.id
         order by created_at desc limit ${perTrigger}
      ) e
     order by t.id, e.created_at desc`.execute(db);
  return result.rows;
}
