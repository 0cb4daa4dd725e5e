import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from './db';
import type { Execution, ExecutionStatus, ExecutionType } from './database';

export type ExecutionPageFilter = {
  flowId?: string;
  status?: ExecutionStatus[];
  type?: ExecutionType[];
  parentId?: string;
  /** Only executions without a parent (the tops of their trees). */
  rootsOnly?: boolean;
  /** Only executions created at or after this time. */
  since?: Date;
  isProductive?: boolean;
};

/** Where the previous page ended: the last row's exact creation time (microseconds, as text) and id. */
export type ExecutionCursor = { createdAt: string; id: string };

/**
 * A cursor's time exactly as listExecutionPage writes it (UTC, microseconds) and as PostgreSQL reads it
 * back. Looser checks are not enough: `Date.parse` accepts `1` or `+275760-09-13T00:00:00Z`, which
 * `::timestamptz` refuses, and PostgreSQL has no year 0.
 */
export const cursorTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/, 'must be a cursor time this API gave out')
  .refine(isRealUtcTime, 'must be a cursor time this API gave out');

/** A calendar time that exists (no 2024-02-30, no hour 24), in a year PostgreSQL has (1 to 9999). */
function isRealUtcTime(text: string): boolean {
  const date = new Date(text);
  return (
    !Number.isNaN(date.getTime()) &&
    date.getUTCFullYear() >= 1 &&
    date.toISOString().slice(0, 19) === text.slice(0, 19)
  );
}

export type ExecutionPage = { items: Execution[]; next: ExecutionCursor | null };

/**
 * Latest first, by keyset: a page continues strictly after the previous page's last (created_at, id),
 * so rows inserted meanwhile never shift a page, duplicate a row or skip one. The cursor keeps
 * created_at as PostgreSQL text, since a JavaScript Date would drop its microseconds.
 */
export async function listExecutionPage(
  db: Db,
  filter: ExecutionPageFilter,
  options: { limit: number; after?: ExecutionCursor },
): Promise<ExecutionPage> {
  let query = db
    .selectFrom('executions')
    .selectAll()
    .select(
      sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_at'),
    );
  if (filter.flowId) query = query.where('flow_id', '=', filter.flowId);
  if (filter.status?.length) query = query.where('status', 'in', filter.status);
  if (filter.type?.length) query = query.where('type', 'in', filter.type);
  if (filter.parentId) query = query.where('parent_id', '=', filter.parentId);
  if (filter.rootsOnly) query = query.where('parent_id', 'is', null);
  if (filter.since) query = query.where('created_at', '>=', filter.since);
  if (filter.isProductive !== undefined) query = query.where('is_productive', '=', filter.isProductive);
  if (options.after) {
    const { createdAt, id } = options.after;
    query = query.where(sql<boolean>`(created_at, id) < (${createdAt}::timestamptz, ${id}::uuid)`);
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const more = rows.length > options.limit;
  const page = more ? rows.slice(0, options.limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map(({ cursor_at: _cursor, ...execution }) => execution),
    next: more && last ? { createdAt: last.cursor_at, id: last.id } : null,
  };
}

/** How many direct children each of these executions has (executions without any are left out). */
export async function countChildren(db: Db, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom('executions')
    .select(['parent_id', (eb) => eb.fn.countAll<string>().as('count')])
    .where('parent_id', 'in', ids)
    .groupBy('parent_id')
    .execute();
  return new Map(rows.flatMap((row) => (row.parent_id ? [[row.parent_id, Number(row.count)] as const] : [])));
}
