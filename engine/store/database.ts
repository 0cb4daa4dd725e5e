import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Kysely's view of Flowline's tables. One interface per table; queries live in engine/store/<table>.ts. */
export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  flows: FlowsTable;
  flow_versions: FlowVersionsTable;
  executions: ExecutionsTable;
  execution_steps: ExecutionStepsTable;
  execution_logs: ExecutionLogsTable;
  execution_nodes: ExecutionNodesTable;
  settings: SettingsTable;
  connections: ConnectionsTable;
  idempotency_keys: IdempotencyKeysTable;
  webhooks: WebhooksTable;
  schedules: SchedulesTable;
  schedule_ticks: ScheduleTicksTable;
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
  /** Set by an administrator: no sign-in, session or API token of this user works (migration 0014). */
  deactivated_at: Date | null;
  /** Signs in with a temporary password (invite, reset) and must choose a new one first. */
  must_change_password: Generated<boolean>;
  /** Sessions signed in before this time no longer work (deactivated, password reset by an administrator). */
  sessions_valid_after: Date | null;
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
  /** Refused from this moment on; null: never expires. */
  expires_at: Date | null;
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

// --- Executions (engine issue): see docs/engine.md ---

/** Every execution type and status, once: validators, filters and pages derive from these lists. */
export const EXECUTION_TYPES = ['FLOW', 'SCRIPT', 'CONNECTION', 'SCHEDULE', 'WEBHOOK'] as const;
export const EXECUTION_STATUSES = [
  'PENDING',
  'RUNNING',
  'WAITING',
  'PAUSED',
  'ENDED_SUCCESS',
  'ENDED_ERROR',
  'ENDED_CANCELLED',
] as const;
export type ExecutionType = (typeof EXECUTION_TYPES)[number];
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export type StartedBy =
  | { kind: 'user'; id: string }
  | { kind: 'token'; id: string }
  | { kind: 'webhook'; id: string }
  | { kind: 'schedule'; id: string }
  | { kind: 'parent'; id: string }
  | { kind: 'system'; id?: string };
export type ExecutionError = { name: string; message: string; stack?: string };
type Json = ColumnType<unknown, unknown, unknown>;

export interface ExecutionsTable {
  id: Generated<string>;
  type: ExecutionType;
  name: string;
  flow_id: string | null;
  flow_version: number | null;
  parent_id: string | null;
  root_id: string;
  node_id: string | null;
  status: ExecutionStatus;
  is_productive: Generated<boolean>;
  input: Json | null;
  output: Json | null;
  /** The HTTP answer a webhook's flow set (this.respond): { status, headers, body } (migration 0012). */
  response: Json | null;
  message: string | null;
  error: ColumnType<ExecutionError | null, ExecutionError | null | undefined, ExecutionError | null>;
  /** SCRIPT: { compiled, sourceMap }; CONNECTION: the connector call. */
  code: Json | null;
  timeout_seconds: Generated<number>;
  /** Depth in the execution tree: 0 for a root (migration 0009). */
  depth: Generated<number>;
  started_by: ColumnType<StartedBy, StartedBy, StartedBy>;
  created_at: CreatedAt;
  started_at: Date | null;
  ended_at: Date | null;
  worker_id: string | null;
  lease_until: Date | null;
  wait_for: Json | null;
  /** Children a WAITING execution still waits for (counted down as they end). */
  wait_remaining: number | null;
  attempts: Generated<number>;
  /** The source of user code's Math.random and crypto randomness, the same on every replay. */
  seed: ColumnType<string | null, string | undefined, string>;
  /** The transaction that last changed what users see of the row (migration 0011; set by the database). */
  change_xid: ColumnType<string | null, never, never>;
}

export type StepStatus = 'STARTED' | 'SUCCEEDED' | 'FAILED';

export interface ExecutionStepsTable {
  execution_id: string;
  seq: number;
  kind: string;
  request: Json | null;
  result: Json | null;
  status: StepStatus;
  child_id: string | null;
  /** SHA-256 of the request's canonical JSON: a replay asking something else is detected. */
  request_hash: string | null;
  created_at: CreatedAt;
  ended_at: Date | null;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ExecutionLogsTable {
  id: Generated<number>;
  execution_id: string;
  /** For a line of user code: the journal step it follows (0: before the first); with `line`, unique. */
  seq: number | null;
  /** Its place among the lines after that step. */
  line: number | null;
  at: CreatedAt;
  level: LogLevel;
  message: string;
  data: Json | null;
  node_id: string | null;
}

/** The state of a graph node's record (migration 0010): every one but `running` is final. */
export type NodeStatus = 'running' | 'success' | 'error' | 'skipped' | 'cancelled';

/** One node of a graph flow's execution, as the runtime reported it (migrations/0010). */
export interface ExecutionNodesTable {
  execution_id: string;
  node_id: string;
  status: NodeStatus;
  started_at: Date | null;
  ended_at: Date | null;
  /** The highest attempt reported (retries make more than one). */
  attempts: Generated<number>;
  /** The child execution of the last attempt, if the node started one (its row holds the output). */
  child_id: string | null;
  /** A node's own output (a condition's boolean, a value its body returned); null for a child's node. */
  output: Json | null;
  error: ColumnType<NodeError | null, string | null | undefined, string | null>;
  /** The transaction that last changed the record (migration 0011; set by the database). */
  change_xid: ColumnType<string | null, never, never>;
}

export type NodeError = { name: string; message: string; childId?: string };

export interface SettingsTable {
  name: string;
  value: Json | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type Execution = Selectable<ExecutionsTable>;
export type ExecutionStep = Selectable<ExecutionStepsTable>;
export type ExecutionLog = Selectable<ExecutionLogsTable>;
export type Setting = Selectable<SettingsTable>;

export interface ConnectionsTable {
  id: Generated<string>;
  name: string;
  /** A registered connector type: REST, SQLPG, ... */
  connector_type: string;
  /** The connector's input fields; secret fields hold `enc:v1:...` ciphertexts (engine/secrets). */
  config: ColumnType<Record<string, unknown>, string, string>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
  created_by: string | null;
  updated_by: string | null;
}

export type Connection = Selectable<ConnectionsTable>;

/** A principal's Idempotency-Key and the execution it started (migrations/0008). */
export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  request_hash: string;
  execution_id: string;
  created_at: CreatedAt;
}

/** A webhook node of a graph flow's current version (migration 0013): its name is unique. */
export interface WebhooksTable {
  name: string;
  flow_id: string;
  node_id: string;
}

export type ScheduleOverlap = 'skip' | 'allow';
export type ScheduleCatchUp = 'none' | 'last';

/** A schedule node of a graph flow's current version, with the clock's state (migration 0013). */
export interface SchedulesTable {
  id: Generated<string>;
  flow_id: string;
  node_id: string;
  cron: string;
  timezone: string;
  overlap: ScheduleOverlap;
  catch_up: ScheduleCatchUp;
  enabled: boolean;
  /** Goes up whenever the timing changes: tick jobs of an older generation are dropped. */
  generation: Generated<number>;
  /** The generation a tick job was sent for (null: not armed yet). */
  armed_generation: number | null;
  /** The tick the armed job is for. */
  next_fire_at: Date | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type TickOutcome = 'started' | 'skipped' | 'missed';

/** One handled tick of a schedule; its key (schedule, fire time) lets a tick run at most once. */
export interface ScheduleTicksTable {
  schedule_id: string;
  fire_at: Date;
  outcome: TickOutcome;
  reason: string | null;
  /** The SCHEDULE execution, and its FLOW child (started ticks). */
  execution_id: string | null;
  flow_execution_id: string | null;
  recorded_at: CreatedAt;
}
