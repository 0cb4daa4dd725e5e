import { sql } from 'kysely';
import type { Db } from './db';
import type { FlowKind, FlowVersion } from './database';
import type { Conn } from './executions';

/**
 * Stores a new version of a flow: flows.version goes up by one, flows.kind/code/graph become the new
 * version's, and flow_versions keeps them with the compiled JavaScript. One transaction. `expectKind`:
 * only a flow of that kind is changed (saving code must not turn a graph flow into a code flow by
 * accident; converting does so on purpose). Undefined when no such flow exists.
 */
export async function saveFlowVersion(
  db: Db,
  input: {
    flowId: string;
    kind: FlowKind;
    expectKind?: FlowKind;
    code: string;
    graph: unknown;
    compiled: string;
    userId: string | null;
  },
): Promise<{ version: number } | undefined> {
  const graph = input.graph === null ? null : JSON.stringify(input.graph);
  return db.transaction().execute(async (trx) => {
    let update = trx
      .updateTable('flows')
      .set({
        kind: input.kind,
        code: input.code,
        graph,
        version: sql<number>`version + 1`,
        updated_at: new Date(),
        updated_by: input.userId,
      })
      .where('id', '=', input.flowId);
    if (input.expectKind) update = update.where('kind', '=', input.expectKind);
    const flow = await update.returning(['version']).executeTakeFirst();
    if (!flow) return undefined;
    await trx
      .insertInto('flow_versions')
      .values({
        flow_id: input.flowId,
        version: flow.version,
        kind: input.kind,
        code: input.code,
        graph,
        compiled: input.compiled,
        created_by: input.userId,
      })
      .execute();
    return { version: flow.version };
  });
}

export async function getFlowVersion(
  conn: Conn,
  flowId: string,
  version: number,
): Promise<FlowVersion | undefined> {
  return conn
    .selectFrom('flow_versions')
    .selectAll()
    .where('flow_id', '=', flowId)
    .where('version', '=', version)
    .executeTakeFirst();
}

/** Fills in the compiled form of a version saved without one (versions created outside the engine). */
export async function setCompiled(
  conn: Conn,
  flowId: string,
  version: number,
  compiled: string,
): Promise<void> {
  await conn
    .updateTable('flow_versions')
    .set({ compiled })
    .where('flow_id', '=', flowId)
    .where('version', '=', version)
    .where('compiled', 'is', null)
    .execute();
}

/** The flow a name refers to, with the version a new execution of it runs. */
export type RunnableFlow = {
  id: string;
  name: string;
  kind: string;
  version: number;
  timeout_seconds: number;
};

export async function findRunnableFlow(
  conn: Conn,
  where: { name: string } | { id: string },
): Promise<RunnableFlow | undefined> {
  let query = conn.selectFrom('flows').select(['id', 'name', 'kind', 'version', 'timeout_seconds']);
  query = 'name' in where ? query.where('name', '=', where.name) : query.where('id', '=', where.id);
  return query.executeTakeFirst();
}
