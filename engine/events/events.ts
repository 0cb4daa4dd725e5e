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
  /** 'status' for a status change, 'log' for new log lines, 'node' for changed graph node records. */
  kind: 'status' | 'log' | 'node';
};

type Pending = { channels: string[]; payloads: string[]; scheduled: boolean };
const pendingByDb = new WeakMap<object, Pending>();

/**
 * Announces events (and, with `wake`, wakes idle workers) AFTER the caller's transaction committed:
 * call it once the transaction has returned. Events of the same moment go out together in one
 * statement, sent in the background.
 *
 * Why not NOTIFY inside the transaction: PostgreSQL serialises the commits of notifying transactions
 * (a global lock held through the commit's WAL flush). Measured here with 16 clients: 946 commits/s
 * with NOTIFY inside, 2,809/s with NOTIFY after, 5,475/s without. A notification lost because the
 * process died right after a commit costs a worker at most its poll interval (1 s), and the web's
 * live view catches up from the database.
 */
export function announceAfterCommit(db: Conn, events: ExecutionEvent | ExecutionEvent[], wake = false): void {
  const list = Array.isArray(events) ? events : [events];
  if (list.length === 0 && !wake) return;
  let pending = pendingByDb.get(db);
  if (!pending) {
    pending = { channels: [], payloads: [], scheduled: false };
    pendingByDb.set(db, pending);
  }
  for (const event of list) {
    pending.channels.push(EVENTS_CHANNEL);
    pending.payloads.push(JSON.stringify(event));
  }
  if (wake) {
    pending.channels.push(WAKE_CHANNEL);
    pending.payloads.push('');
  }
  if (pending.scheduled) return;
  pending.scheduled = true;
  const batch = pending;
  setImmediate(() => {
    pendingByDb.delete(db);
    void sql`select count(pg_notify(c, p)) from unnest(${sql.val(batch.channels)}::text[], ${sql.val(batch.payloads)}::text[]) as n(c, p)`
      .execute(db)
      .catch(() => {}); // see above: a lost notification only delays, it loses nothing
  });
}

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

export type Listener = {
  /**
   * Resolves once the LISTEN is first established (or the listener closed before): a notification sent
   * before that moment is never delivered, so whoever depends on one looks at the database again then.
   */
  ready: Promise<void>;
  close(): Promise<void>;
};

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
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

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
      markReady();
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

  const firstAttempt = connect(true);
  return {
    ready,
    async close() {
      closed = true;
      markReady();
      if (retryTimer) clearTimeout(retryTimer);
      await firstAttempt;
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners('end');
        await current.end().catch(() => {});
      }
    },
  };
}
