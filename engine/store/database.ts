import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Kysely's view of Flowline's tables. One interface per table; queries live in engine/store/<table>.ts. */
export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  flows: FlowsTable;
  flow_versions: FlowVersionsTable;
}

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  is_admin: Generated<boolean>;
  created_at: CreatedAt;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  /** First characters of the token, shown so a user can tell tokens apart. */
  prefix: string;
  /** SHA-256 of the whole token, hex. */
  token_hash: string;
  created_at: CreatedAt;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export type FlowKind = 'graph' | 'code';

export interface FlowsTable {
  id: Generated<string>;
  name: string;
  kind: FlowKind;
  graph: ColumnType<unknown, unknown, unknown> | null;
  code: string | null;
  version: Generated<number>;
  /** Seconds a single execution of this flow may run before it is ended with a timeout. */
  timeout_seconds: Generated<number>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  created_by: string | null;
  updated_by: string | null;
}

export interface FlowVersionsTable {
  id: Generated<string>;
  flow_id: string;
  version: number;
  kind: FlowKind;
  graph: ColumnType<unknown, unknown, unknown> | null;
  code: string | null;
  /** JavaScript produced from `code` (or the graph's generated code) at save time. */
  compiled: string | null;
  created_at: CreatedAt;
  created_by: string | null;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type Flow = Selectable<FlowsTable>;
export type FlowUpdate = Updateable<FlowsTable>;
export type FlowVersion = Selectable<FlowVersionsTable>;
