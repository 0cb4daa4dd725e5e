import { sql } from 'kysely';
import type { Conn } from './executions';

/** A setting's value, or undefined when no setting has that name. */
export async function getSetting(conn: Conn, name: string): Promise<{ value: unknown } | undefined> {
  const row = await conn.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst();
  return row ? { value: row.value } : undefined;
}

export async function saveSetting(conn: Conn, name: string, value: unknown): Promise<void> {
  const json = JSON.stringify(value ?? null);
  await conn
    .insertInto('settings')
    .values({ name, value: json })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: json, updated_at: sql<Date>`now()` }))
    .execute();
}

export async function deleteSetting(conn: Conn, name: string): Promise<boolean> {
  const result = await conn.deleteFrom('settings').where('name', '=', name).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function listSettings(
  conn: Conn,
): Promise<Array<{ name: string; value: unknown; updated_at: Date }>> {
  return conn.selectFrom('settings').select(['name', 'value', 'updated_at']).orderBy('name').execute();
}
