import crypto from 'node:crypto';
import net from 'node:net';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { insertTestExecution } from '../../test/engine-testbed';
import { announceAfterCommit, statusEvent } from '../events/events';
import type { Execution } from '../store/database';
import { ExecutionWatcher } from './watcher';

const { db, url } = await createTestDatabase();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pendingExecution(): Promise<Execution> {
  return insertTestExecution(db, { name: 'watched' });
}

/** Ends the execution the way no engine path does: one UPDATE, and no NOTIFY at all. */
async function endSilently(id: string): Promise<void> {
  await sql`update executions set status = 'ENDED_SUCCESS', output = '"quiet"'::jsonb, ended_at = now()
            where id = ${id}`.execute(db);
}

/** Ends the execution as the engine does: the UPDATE, then its event announced after the commit. */
async function endAndAnnounce(id: string, fields: { status: string; message?: string }): Promise<void> {
  const { rows } = await sql<Execution>`
    update executions set status = ${fields.status}, message = ${fields.message ?? null}, ended_at = now()
    where id = ${id} returning *`.execute(db);
  announceAfterCommit(db, statusEvent(rows[0]!));
}

/** The waiter's answer, or 'still waiting' when it has none after `ms` (its own deadline is later). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * A TCP proxy to the test database that holds every new connection for `delayMs` before passing it
 * on: a LISTEN connection through it is established only that late.
 */
async function slowProxy(delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.pause();
    sockets.add(client);
    client.on('error', () => client.destroy());
    setTimeout(() => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as net.AddressInfo).port);
  return {
    url: proxied.toString(),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('ExecutionWatcher', () => {
  it('answers with the ended execution long before the deadline when its notification is lost', async () => {
    const watcher = new ExecutionWatcher(db, url);
    try {
      const execution = await pendingExecution();
      const started = Date.now();
      const waiting = watcher.waitForEnd(execution.id, 30_000);
      await sleep(100);
      await endSilently(execution.id);
      const answer = await within(waiting, 5_000);
      expect(answer).not.toBe('still waiting');
      expect(answer).toMatchObject({ id: execution.id, status: 'ENDED_SUCCESS', output: 'quiet' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await watcher.close();
    }
  });

  it('looks at the row once more at the deadline: an ended execution is never reported as running', async () => {
    // Re-reads far apart: only the last look at the deadline can see this end.
    const watcher = new ExecutionWatcher(db, url, { recheckMs: 60_000 });
    try {
      const execution = await pendingExecution();
      const waiting = watcher.waitForEnd(execution.id, 500);
      await sleep(100);
      await endSilently(execution.id);
      const answer = await within(waiting, 5_000);
      expect(answer).toMatchObject({ id: execution.id, status: 'ENDED_SUCCESS' });
    } finally {
      await watcher.close();
    }
  });

  it('does not lose the first waiter of a new watcher whose LISTEN is not established yet', async () => {
    const proxy = await slowProxy(400);
    // Re-reads far apart: the end must be found because the LISTEN came up, not by a periodic look.
    const watcher = new ExecutionWatcher(db, proxy.url, { recheckMs: 60_000 });
    try {
      const execution = await pendingExecution();
      const started = Date.now();
      const waiting = watcher.waitForEnd(execution.id, 30_000);
      await sleep(50);
      // Ended the engine's way, with its notification, but before the watcher listens.
      await endAndAnnounce(execution.id, { status: 'ENDED_SUCCESS' });
      const answer = await within(waiting, 5_000);
      expect(answer).not.toBe('still waiting');
      expect(answer).toMatchObject({ id: execution.id, status: 'ENDED_SUCCESS' });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await watcher.close();
      await proxy.close();
    }
  });

  it('still answers at once on the notification, and undefined at the deadline for a running one', async () => {
    const watcher = new ExecutionWatcher(db, url, { recheckMs: 60_000 });
    try {
      const warm = await pendingExecution();
      await endAndAnnounce(warm.id, { status: 'ENDED_SUCCESS' });
      await watcher.waitForEnd(warm.id, 1_000); // an ended row is answered from the first read
      await sleep(300); // the LISTEN is up by now

      const execution = await pendingExecution();
      const waiting = watcher.waitForEnd(execution.id, 30_000);
      await sleep(50);
      const started = Date.now();
      await endAndAnnounce(execution.id, { status: 'ENDED_ERROR', message: 'no' });
      const answer = await within(waiting, 5_000);
      expect(answer).toMatchObject({ id: execution.id, status: 'ENDED_ERROR', message: 'no' });
      expect(Date.now() - started).toBeLessThan(1_000);

      const running = await pendingExecution();
      expect(await watcher.waitForEnd(running.id, 300)).toBeUndefined();
      expect(await watcher.waitForEnd(crypto.randomUUID(), 300)).toBeUndefined();
    } finally {
      await watcher.close();
    }
  });
});
