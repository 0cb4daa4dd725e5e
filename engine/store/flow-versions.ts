import { sql } from 'kysely';
import type { Db } from './db';
import type { FlowVersion } from './database';
import type { Conn } from './executions';

/**
 * Stores a new version of a code flow: flows.version goes up by one, flows.code becomes the new
 * source, and flow_versions keeps the source with its compiled JavaScript. One transaction.
 */
export async function saveCodeFlowVersion(
  db: Db,
  input: { flowId: string; code: string; compiled: string; userId: string | null },
): Promise<{ version: number } | undefined> {
  return db.transaction().execute(async (trx) => {
    const flow = await trx
      .updateTable('flows')
      .set({
        code: input.code,
        version: sql<number>`version + 1`,
        updated_at: new Date(),
        updated_by: input.userId,
      })
      .where('id', '=', input.flowId)
      .where('kind', '=', 'code')
      .returning(['version'])
      .executeTakeFirst();
    if (!flow) return undefined;
    await trx
      .insertInto('flow_versions')
      .values({
        flow_id: input.flowId,
        version: flow.version,
        kind: 'code',
        code: input.code,
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
