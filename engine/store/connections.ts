import type { Db } from './db';
import type { Connection } from './database';
import { ConnectionNameTakenError, ConnectionNotFoundError } from '../connectors/errors';
import { closestName } from '../names/closest-name';

/**
 * All SQL of the connections table. Configs arrive here with their secret fields already encrypted
 * (engine/connectors/connections.ts does that); this file never sees a plain secret.
 */
export type ConnectionSummary = Pick<
  Connection,
  'id' | 'name' | 'connector_type' | 'created_at' | 'updated_at'
>;

const summaryColumns = ['id', 'name', 'connector_type', 'created_at', 'updated_at'] as const;

export async function listConnections(db: Db): Promise<ConnectionSummary[]> {
  return db.selectFrom('connections').select(summaryColumns).orderBy('name').execute();
}

/** Every stored connection's name and connector type (what the graph validator looks up). */
export async function listConnectionTypes(db: Db): Promise<{ name: string; connector_type: string }[]> {
  return db.selectFrom('connections').select(['name', 'connector_type']).execute();
}

export async function findConnectionByName(db: Db, name: string): Promise<Connection | undefined> {
  return db.selectFrom('connections').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function getConnectionByName(db: Db, name: string): Promise<Connection> {
  const connection = await findConnectionByName(db, name);
  if (!connection) {
    const names = await db.selectFrom('connections').select('name').orderBy('name').execute();
    throw new ConnectionNotFoundError(
      name,
      closestName(
        name,
        names.map((row) => row.name),
      ),
    );
  }
  return connection;
}

export async function insertConnection(
  db: Db,
  values: { name: string; connector_type: string; config: Record<string, unknown>; userId: string | null },
): Promise<Connection> {
  try {
    return await db
      .insertInto('connections')
      .values({
        name: values.name,
        connector_type: values.connector_type,
        config: JSON.stringify(values.config),
        created_by: values.userId,
        updated_by: values.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    throw isUniqueViolation(error) ? new ConnectionNameTakenError(values.name) : error;
  }
}

/** Replaces name and config of the connection called `name`. */
export async function updateConnectionRow(
  db: Db,
  name: string,
  values: { name: string; config: Record<string, unknown>; userId: string | null },
): Promise<Connection> {
  let updated: Connection | undefined;
  try {
    updated = await db
      .updateTable('connections')
      .set({
        name: values.name,
        config: JSON.stringify(values.config),
        updated_by: values.userId,
        updated_at: new Date(),
      })
      .where('name', '=', name)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    throw isUniqueViolation(error) ? new ConnectionNameTakenError(values.name) : error;
  }
  if (!updated) throw new ConnectionNotFoundError(name);
  return updated;
}

export async function deleteConnectionRow(db: Db, name: string): Promise<void> {
  const deleted = await db.deleteFrom('connections').where('name', '=', name).executeTakeFirst();
  if (deleted.numDeletedRows === 0n) throw new ConnectionNotFoundError(name);
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === '23505';
}
