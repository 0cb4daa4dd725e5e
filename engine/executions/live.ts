import { EVENTS_CHANNEL, listen, type ExecutionEvent, type Listener } from '../events/events';
import type { Db } from '../store/db';
import { readList, readTree, type ListRead, type TreeRead } from '../store/live';
import type { ExecutionPageFilter } from '../store/execution-list';

/**
 * Live views of executions (docs/live.md), fed by the database alone: the workers that change executions
 * may run on other machines, so what a view shows is read from the rows, and the engine's NOTIFYs on
 * `flowline_events` only say when to read again. One LISTEN connection per process (the hub) serves
 * every open view; each view reads from its own cursor (a snapshot, see engine/store/live.ts).
 */

export type LiveHubOptions = {
  /**
   * How often an open view reads again without being told to: a NOTIFY is lost when it is sent while
   * the LISTEN reconnects, or never sent when the writing process dies right after its commit. 3 s.
   */
  recheckMs?: number;
  /** The least time between two reads of one view, so a burst of NOTIFYs costs one read. 50 ms. */
  minReadGapMs?: number;
};

/** One view's wake-ups: set by a matching event, a reconnect of the LISTEN or the recheck timer. */
export type Wake = {
  /** Resolves at the next wake-up (at once if one came since the last call), or when the signal aborts. */
  next(signal: AbortSignal): Promise<void>;
  close(): void;
};

type Subscriber = { matches: (event: ExecutionEvent) => boolean; wake: () => void };

export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly listener: Listener;
  readonly recheckMs: number;
  readonly minReadGapMs: number;

  constructor(databaseUrl: string, options: LiveHubOptions = {}) {
    this.recheckMs = options.recheckMs ?? 3000;
    this.minReadGapMs = options.minReadGapMs ?? 50;
    this.listener = listen(
      databaseUrl,
      [EVENTS_CHANNEL],
      (_channel, payload) => this.onNotification(payload),
      () => this.wakeAll(), // notifications sent while it reconnected are lost: every view reads again
    );
    // Views opened before the LISTEN was up may have missed a notification meanwhile.
    void this.listener.ready.then(() => this.wakeAll());
  }

  /** How many views are open (a figure for tests and metrics). */
  get size(): number {
    return this.subscribers.size;
  }

  /** Registers a view's wake-ups. Register BEFORE the first read, so nothing committed between is missed. */
  subscribe(matches: (event: ExecutionEvent) => boolean): Wake {
    let pending = false;
    let resolveWait: (() => void) | undefined;
    const subscriber: Subscriber = {
      matches,
      wake: () => {
        pending = true;
        resolveWait?.();
      },
    };
    this.subscribers.add(subscriber);
    return {
      next: (signal) => {
        if (pending || signal.aborted) {
          pending = false;
          return Promise.resolve();
        }
        return new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            resolveWait = undefined;
            pending = false;
            resolve();
          };
          const timer = setTimeout(done, this.recheckMs);
          signal.addEventListener('abort', done, { once: true });
          resolveWait = done;
        });
      },
      close: () => {
        this.subscribers.delete(subscriber);
        resolveWait?.();
      },
    };
  }

  async close(): Promise<void> {
    for (const subscriber of this.subscribers) subscriber.wake();
    this.subscribers.clear();
    await this.listener.close();
  }

  private onNotification(payload: string): void {
    let event: ExecutionEvent;
    try {
      event = JSON.parse(payload) as ExecutionEvent;
    } catch {
      return;
    }
    for (const subscriber of this.subscribers) if (subscriber.matches(event)) subscriber.wake();
  }

  private wakeAll(): void {
    for (const subscriber of this.subscribers) subscriber.wake();
  }
}

/** A batch a live view yields: what one read returned, and the cursor to resume after it. */
export type LiveBatch<T> = { cursor: string; read: T; first: boolean };

/**
 * The loop every view runs: subscribe, then read from the cursor (everything on the first read without
 * one), yield what changed, wait for a wake-up, read again. A failed read (the database is away) is
 * tried again at the next wake-up; nothing is lost, as the cursor has not moved.
 */
async function* liveReads<T>(
  hub: LiveHub,
  matches: (event: ExecutionEvent) => boolean,
  read: (since: string | null) => Promise<T & { snapshot: string }>,
  changed: (result: T) => boolean,
  since: string | null,
  signal: AbortSignal,
): AsyncGenerator<LiveBatch<T>> {
  const wake = hub.subscribe(matches);
  try {
    let cursor = since;
    let first = true;
    while (!signal.aborted) {
      let result: (T & { snapshot: string }) | undefined;
      try {
        result = await read(cursor);
      } catch {
        result = undefined;
      }
      if (result && !signal.aborted) {
        // A resumed view with nothing new yields nothing; a fresh one always yields its snapshot.
        if (changed(result) || (first && cursor === null)) {
          yield { cursor: result.snapshot, read: result, first: first && since === null };
        }
        // Moving the cursor past reads that found nothing is safe: nothing of this view changed there.
        cursor = result.snapshot;
        first = false;
      }
      await wake.next(signal);
      if (hub.minReadGapMs > 0 && !signal.aborted) await delay(hub.minReadGapMs, signal);
    }
  } finally {
    wake.close();
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A read of a live tree, and whether its log counts differ from those the view last yielded. */
export type LiveTreeRead = TreeRead & { logCountsChanged: boolean };

/**
 * An execution tree, live: first the whole tree (unless resuming from `since`), then each change of its
 * executions and their node records, and its log counts whenever they changed.
 */
export function liveTree(
  db: Db,
  hub: LiveHub,
  rootId: string,
  since: string | null,
  signal: AbortSignal,
): AsyncGenerator<LiveBatch<LiveTreeRead>> {
  let sent = new Map<string, number>();
  const read = async (cursor: string | null): Promise<LiveTreeRead> => {
    const result = await readTree(db, rootId, cursor);
    const counts = new Map(result.logCounts.map((row) => [row.execution_id, row.count]));
    const logCountsChanged =
      counts.size !== sent.size || [...counts].some(([id, count]) => sent.get(id) !== count);
    if (logCountsChanged) sent = counts;
    return { ...result, logCountsChanged };
  };
  return liveReads<LiveTreeRead>(
    hub,
    (event) => event.rootId === rootId,
    read,
    (result) => result.executions.length > 0 || result.nodes.length > 0 || result.logCountsChanged,
    since,
    signal,
  );
}

/** The Executions list, live: first its first page (unless resuming), then every matching change. */
export function liveList(
  db: Db,
  hub: LiveHub,
  filter: ExecutionPageFilter,
  limit: number,
  since: string | null,
  signal: AbortSignal,
): AsyncGenerator<LiveBatch<ListRead>> {
  return liveReads<ListRead>(
    hub,
    // Log lines and node records change no row of the list.
    (event) => event.kind === 'status',
    (cursor) => readList(db, filter, cursor, limit),
    (read) => read.reset || read.executions.length > 0,
    since,
    signal,
  );
}
