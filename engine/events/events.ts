import pg from 'pg';
import { sql } from 'kysely';
import type { Conn } from '../store/executions';

/** The channel every execution event is announced on (after commit: NOTIFY is transactional). */
export const EVENTS_CHANNEL = 'flowline_events';
/** The channel that wakes idle workers when there is new work. */
export const WAKE_CHANNEL = 'flowline_wake';

export type ExecutionEvent = {
  /** execution id */
  id: string;
  rootId: string;
  parentId: string | null;
  status: string;
  nodeId: string | null;
  /** 'status' for a status change, 'log' for a new log line. */
  kind: 'status' | 'log';
};

/** Queues the event inside the caller's transaction; PostgreSQL delivers it when that commits. */
export async function announce(
  conn: Conn,
  events: ExecutionEvent | ExecutionEvent[],
  wake = false,
): Promise<void> {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0 && !wake) return;
  const payloads = list.map((event) => JSON.stringify(event));
  await sql`select pg_notify(${EVENTS_CHANNEL}, payload) from unnest(${sql.val(payloads)}::text[]) as payload
            ${wake ? sql`union all select pg_notify(${WAKE_CHANNEL}, '')` : sql``}`.execute(conn);
}

export function statusEvent(execution: {
  id: string;
  root_id: string;
  parent_id: string | null;
  status: string;
  node_id: string | null;
}): ExecutionEvent {
  return {
    id: execution.id,
    rootId: execution.root_id,
    parentId: execution.parent_id,
    status: execution.status,
    nodeId: execution.node_id,
    kind: 'status',
  };
}

export type Listener = { close(): Promise<void> };

/**
 * Holds one LISTEN connection on the given channels, reconnecting (with backoff) when PostgreSQL goes
 * away; `onReconnect` runs after every re-subscribe, since notifications sent meanwhile are lost.
 */
export function listen(
  databaseUrl: string,
  channels: string[],
  onNotification: (channel: string, payload: string) => void,
  onReconnect: () => void = () => {},
): Listener {
  let closed = false;
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = 100;

  const connect = async (first: boolean) => {
    if (closed) return;
    const next = new pg.Client({ connectionString: databaseUrl });
    next.on('error', () => scheduleReconnect());
    next.on('end', () => scheduleReconnect());
    next.on('notification', (message) => onNotification(message.channel, message.payload ?? ''));
    try {
      await next.connect();
      for (const channel of channels) await next.query(`listen ${pg.escapeIdentifier(channel)}`);
      client = next;
      delay = 100;
      if (!first) onReconnect();
    } catch {
      next.removeAllListeners('end');
      await next.end().catch(() => {});
      scheduleReconnect();
    }
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    client = undefined;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect(false);
    }, delay);
    delay = Math.min(delay * 2, 2000);
  };

  const ready = connect(true);
  return {
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      await ready;
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => {});
      }
    },
  };
}
