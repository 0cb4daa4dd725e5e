import { sql } from 'kysely';
import { UserError } from '../errors';
import type { Db } from './db';
import type { FlowKind, FlowVersion } from './database';
import type { Conn } from './executions';
import { syncFlowTriggers } from './triggers';
import type { Graph } from '../graph/model';

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
    /** Only over this version: a save based on an older one is refused (FlowVersionConflictError). */
    baseVersion?: number;
    code: string;
    graph: Graph | null;
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
    if (input.baseVersion !== undefined) update = update.where('version', '=', input.baseVersion);
    const flow = await update.returning(['version']).executeTakeFirst();
    if (!flow) {
      if (input.baseVersion !== undefined) await throwIfChangedSince(trx, input.flowId, input.baseVersion);
      return undefined;
    }
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
    await syncFlowTriggers(trx, input.flowId, input.graph);
    return { version: flow.version };
  });
}

/**
 * A save based on a version that is no longer the flow's latest: someone saved in between (another tab,
 * another person). Refused, never a silent overwrite; the message says who and when.
 */
export class FlowVersionConflictError extends UserError {
  override name = 'FlowVersionConflictError';
  readonly kind = 'conflict';
  constructor(
    message: string,
    readonly currentVersion: number,
  ) {
    super(message);
  }
}

async function throwIfChangedSince(conn: Conn, flowId: string, baseVersion: number): Promise<void> {
  const current = await conn
    .selectFrom('flows')
    .leftJoin('users', 'users.id', 'flows.updated_by')
    .select(['flows.version', 'flows.updated_at', 'users.name', 'users.email'])
    .where('flows.id', '=', flowId)
    .executeTakeFirst();
  if (!current || current.version === baseVersion) return;
  const who = current.name || current.email || 'someone';
  throw new FlowVersionConflictError(
    `changed by ${who} at ${current.updated_at.toISOString()} (version ${current.version}; you edited version ${baseVersion}): reload to see it, then apply your change again`,
    current.version,
  );
}

/** A flow's versions, latest first, with who saved each and when (not their content). */
export async function listFlowVersions(
  conn: Conn,
  flowId: string,
): Promise<{ version: number; kind: FlowKind; created_at: Date; author: string | null }[]> {
  const rows = await conn
    .selectFrom('flow_versions')
    .leftJoin('users', 'users.id', 'flow_versions.created_by')
    .select([
      'flow_versions.version',
      'flow_versions.kind',
      'flow_versions.created_at',
      'users.name',
      'users.email',
    ])
    .where('flow_versions.flow_id', '=', flowId)
    .orderBy('flow_versions.version', 'desc')
    .execute();
  return rows.map((row) => ({
    version: row.version,
    kind: row.kind,
    created_at: row.created_at,
    author: row.name || row.email || null,
  }));
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
