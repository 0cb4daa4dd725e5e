import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../postgres/embedded';
import { secretKeyFromHex } from '../secrets/secrets';
import {
  createConnection,
  getConnection,
  listConnections,
  testConnection,
  testUnsavedConnection,
} from './connections';
import { destinationPolicy, parseAllowList } from './destinations';
import {
  callConnector,
  DestinationRefusedError,
  ConnectorCallError,
  ConnectorCancelledError,
  InvalidInputError,
  MissingInputError,
} from './index';

const { db, url } = await createTestDatabase();
const secretKey = secretKeyFromHex(crypto.randomBytes(32).toString('hex'));
// These tests query the server Flowline's own test database lives on: allowed as an explicit exception.
const destinations = destinationPolicy({ allow: parseAllowList(new URL(url).host), databaseUrl: url });

function sql(input: Record<string, unknown>): Promise<unknown> {
  return callConnector({ db, secretKey, destinations, target: { connector_type: 'SQLPG', url, ...input } });
}

describe('SQLPG connector', () => {
  beforeAll(async () => {
    await sql({ execute: 'create table pets (id serial primary key, name text not null, legs int)' });
  });

  it('fetchval answers one value', async () => {
    expect(await sql({ fetchval: 'SELECT 1+1' })).toEqual({ result: 2 });
    expect(await sql({ fetchval: 'select name from pets where false' })).toEqual({ result: null });
  });

  it('execute answers the row count; fetchrow one row; fetch all rows', async () => {
    expect(
      await sql({
        execute: 'insert into pets (name, legs) values ($1, $2), ($3, $4)',
        params: ['cat', 4, 'bird', 2],
      }),
    ).toEqual({ result: 2 });
    expect(await sql({ fetchrow: 'select name, legs from pets where name = $1', params: ['bird'] })).toEqual({
      result: { name: 'bird', legs: 2 },
    });
    expect(await sql({ fetchrow: 'select * from pets where name = $1', params: ['dog'] })).toEqual({
      result: null,
    });
    expect(await sql({ fetch: 'select name from pets order by name' })).toEqual({
      result: [{ name: 'bird' }, { name: 'cat' }],
    });
  });

  it('keeps an injection attempt a value', async () => {
    const attack = "x'); drop table pets; --";
    expect(await sql({ execute: 'insert into pets (name) values ($1)', params: [attack] })).toEqual({
      result: 1,
    });
    expect(await sql({ fetchval: 'select count(*) from pets where name = $1', params: [attack] })).toEqual({
      result: 1,
    });
    expect(await sql({ fetchval: 'select count(*) from pets' })).toEqual({ result: 3 });
  });

  it('connects with host, port, database and user fields', async () => {
    const parsed = new URL(url);
    const output = await callConnector({
      db,
      secretKey,
      destinations,
      target: {
        connector_type: 'SQLPG',
        host: parsed.hostname,
        port: Number(parsed.port),
        database: parsed.pathname.slice(1),
        user: decodeURIComponent(parsed.username),
        password: decodeURIComponent(parsed.password),
      },
      input: { fetchval: 'select current_database()' },
    });
    expect(output).toEqual({ result: parsed.pathname.slice(1) });
  });

  it('reports an SQL error with its SQLSTATE', async () => {
    await expect(sql({ fetch: 'select * from no_such_table' })).rejects.toThrow(
      /query failed: relation "no_such_table" does not exist \[SQLSTATE 42P01\]/,
    );
  });

  it('names the field of a wrong input', async () => {
    await expect(sql({})).rejects.toThrow(MissingInputError);
    await expect(sql({ fetch: 'select 1', execute: 'select 1' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'execute',
    });
    await expect(sql({ fetch: 'select 1', params: 'not a list' })).rejects.toMatchObject({ field: 'params' });
    await expect(sql({ fetch: 'select 1', ssl: 'maybe' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(sql({ fetch: 'select 1', url: 'postgres://a b:c@[x' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'url',
      message: 'url: must be a valid URL',
    });
    await expect(sql({ fetch: 'select 1', table: 'pets' })).rejects.toMatchObject({
      name: 'ExtraInputError',
      field: 'table',
    });
  });

  it('cancels a running query on the server when the call is cancelled', async () => {
    const marker = `cancel-me-${crypto.randomBytes(4).toString('hex')}`;
    const controller = new AbortController();
    const running = callConnector({
      db,
      secretKey,
      destinations,
      target: { connector_type: 'SQLPG', url },
      input: { fetchval: `select pg_sleep(60), '${marker}'` },
      signal: controller.signal,
    }).catch((error: unknown) => error);
    const active = () =>
      sql({
        fetchval: 'select count(*) from pg_stat_activity where query like $1 and pid <> pg_backend_pid()',
        params: [`%${marker}%`],
      }) as Promise<{ result: number }>;
    await expect.poll(async () => (await active()).result, { timeout: 30_000 }).toBe(1);
    controller.abort();
    expect(await running).toBeInstanceOf(ConnectorCancelledError);
    await expect.poll(async () => (await active()).result, { timeout: 30_000 }).toBe(0);
  });

  it('tests a stored connection without a query', async () => {
    await createConnection(db, secretKey, {
      name: 'test db',
      connector_type: 'SQLPG',
      config: { url },
      userId: null,
    });
    expect(await testConnection(db, secretKey, 'test db', { destinations })).toEqual({ ok: true });
    expect(
      await callConnector({
        db,
        secretKey,
        destinations,
        target: 'test db',
        input: { fetchval: 'select 40 + 2' },
      }),
    ).toEqual({
      result: 42,
    });
  });
});

describe('SQLPG connection form', () => {
  const parsed = new URL(url);
  const server = {
    host: parsed.hostname,
    port: Number(parsed.port),
    database: parsed.pathname.slice(1),
    user: decodeURIComponent(parsed.username),
  };
  const password = decodeURIComponent(parsed.password);

  it("tests the form's config before it is saved: new, and an edit over the stored secrets", async () => {
    const config = { ...server, ...(password ? { password } : {}) };
    expect(
      await testUnsavedConnection(db, secretKey, { connector_type: 'SQLPG', config }, { destinations }),
    ).toEqual({ ok: true });
    const wrongPort = await testUnsavedConnection(
      db,
      secretKey,
      { connector_type: 'SQLPG', config: { ...config, port: 5999 } },
      { destinations },
    );
    expect(wrongPort).toEqual({
      ok: false,
      message: expect.stringMatching(/^SQLPG: cannot connect to .*:5999\//),
    });
    expect(await listConnections(db)).not.toContainEqual(expect.objectContaining({ name: 'form db' }));

    await createConnection(db, secretKey, { name: 'form db', connector_type: 'SQLPG', config, userId: null });
    // The form leaves the stored password empty: the test uses it, as Save would keep it.
    const edit = (changes: Record<string, unknown>) =>
      testUnsavedConnection(
        db,
        secretKey,
        { name: 'form db', config: { ...server, password: '', ...changes } },
        { destinations },
      );
    expect(await edit({})).toEqual({ ok: true });
    expect(await edit({ port: 5999 })).toMatchObject({
      ok: false,
      message: expect.stringContaining(':5999/'),
    });
    expect(await edit({ port: 70000 })).toEqual({
      ok: false,
      field: 'port',
      message: 'port: must be at most 65535',
    });
    expect((await getConnection(db, 'form db')).config.port).toBe(server.port);
    if (password) {
      expect(await edit({ password: 'not-the-password' })).toMatchObject({ ok: false });
    }
  });

  it('stores no query: each call gives it; bounds are said in words', async () => {
    await expect(
      createConnection(db, secretKey, {
        name: 'with query',
        connector_type: 'SQLPG',
        config: { ...server, fetchval: 'select 1' },
        userId: null,
      }),
    ).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'fetchval',
      message:
        "fetchval: given by each call, this.connect('<connection>', { fetchval: ... }); a connection does not store it",
    });
    await expect(
      createConnection(db, secretKey, {
        name: 'with query',
        connector_type: 'SQLPG',
        config: { ...server, params: [1] },
        userId: null,
      }),
    ).rejects.toMatchObject({ field: 'params' });
    await expect(
      createConnection(db, secretKey, {
        name: 'bounds',
        connector_type: 'SQLPG',
        config: { ...server, port: 0, connect_timeout: 1.5 },
        userId: null,
      }),
    ).rejects.toMatchObject({ message: 'port: must be at least 1' });
    await expect(
      createConnection(db, secretKey, {
        name: 'bounds',
        connector_type: 'SQLPG',
        config: { port: 1.5 },
        userId: null,
      }),
    ).rejects.toMatchObject({ message: 'port: must be a whole number' });
  });
});

describe('SQLPG with a wrong password', () => {
  // The shared test server may trust every local login; a server of our own checks passwords for real.
  let server: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let passwordUrl: URL;

  beforeAll(async () => {
    if (new URL(url).password) {
      passwordUrl = new URL(url);
    } else {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowline-sqlpg-'));
      server = await startEmbeddedPostgres({ dataDir });
      passwordUrl = new URL(server.url);
    }
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('fails clearly without showing the password', async () => {
    const wrongPassword = 'Wr0ng-Pa55word-XYZ';
    const config = {
      host: passwordUrl.hostname,
      port: Number(passwordUrl.port),
      database: passwordUrl.pathname.slice(1),
      user: decodeURIComponent(passwordUrl.username),
      password: wrongPassword,
    };
    const failure = await callConnector({
      db,
      secretKey,
      destinations,
      target: { connector_type: 'SQLPG', ...config },
      input: { fetchval: 'select 1' },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorCallError);
    const error = failure as Error;
    expect(error.message).toMatch(/cannot connect to .*password authentication failed/);
    expect(`${error.message}\n${error.stack}`).not.toContain(wrongPassword);

    const withUrl = new URL(passwordUrl);
    withUrl.password = wrongPassword;
    const urlFailure = (await callConnector({
      db,
      secretKey,
      destinations,
      target: { connector_type: 'SQLPG', url: withUrl.toString() },
      input: { fetchval: 'select 1' },
    }).catch((caught: unknown) => caught)) as Error;
    expect(urlFailure.message).toMatch(/password authentication failed/);
    expect(`${urlFailure.message}\n${urlFailure.stack}`).not.toContain(wrongPassword);

    const answer = await testConnection(
      db,
      secretKey,
      { connector_type: 'SQLPG', ...config },
      { destinations },
    );
    expect(answer.ok).toBe(false);
    expect(JSON.stringify(answer)).toMatch(/password authentication failed/);
    expect(JSON.stringify(answer)).not.toContain(wrongPassword);
  });
});

/**
 * A fake PostgreSQL server that asks for a cleartext password, records it, and refuses the login: what
 * an attacker would set up to collect a stored connection's password.
 */
async function startPasswordCollector() {
  const collected = { passwords: [] as string[], connections: 0 };
  const server = net.createServer((socket) => {
    collected.connections += 1;
    let buffer = Buffer.alloc(0);
    let started = false;
    let answered = false;
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      if (answered) return;
      buffer = Buffer.concat([buffer, chunk]);
      if (!started) {
        if (buffer.length < 4 || buffer.length < buffer.readInt32BE(0)) return;
        buffer = buffer.subarray(buffer.readInt32BE(0));
        started = true;
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // AuthenticationCleartextPassword
      }
      if (buffer.length < 5 || buffer[0] !== 0x70 || buffer.length < 1 + buffer.readInt32BE(1)) return;
      collected.passwords.push(buffer.subarray(5, buffer.readInt32BE(1)).toString('utf8'));
      answered = true;
      const fields = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed for user "app"\0\0');
      const header = Buffer.alloc(5);
      header[0] = 0x45; // ErrorResponse
      header.writeInt32BE(4 + fields.length, 1);
      socket.end(Buffer.concat([header, fields]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return { collected, port, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('SQLPG: a stored connection keeps its server', () => {
  let collector: Awaited<ReturnType<typeof startPasswordCollector>>;
  beforeAll(async () => {
    collector = await startPasswordCollector();
    await createConnection(db, secretKey, {
      name: 'warehouse',
      connector_type: 'SQLPG',
      config: { host: '127.0.0.1', port: 5432, database: 'app', user: 'app', password: 'Warehouse-Pa55' },
      userId: null,
    });
    await createConnection(db, secretKey, {
      name: 'warehouse url',
      connector_type: 'SQLPG',
      config: { url: 'postgres://app:Url-Pa55@127.0.0.1:5432/app' },
      userId: null,
    });
  });
  afterAll(() => collector.close());

  const failureOf = (target: Parameters<typeof callConnector>[0]['target'], input: Record<string, unknown>) =>
    callConnector({ db, secretKey, destinations, target, input: { fetchval: 'select 1', ...input } }).catch(
      (error: unknown) => error,
    );

  it('refuses another host, port or database, and the password goes nowhere', async () => {
    const port = await failureOf('warehouse', { port: collector.port });
    expect(port).toBeInstanceOf(InvalidInputError);
    expect((port as Error).message).toBe(
      "port: connection 'warehouse' connects to 127.0.0.1:5432/app; a call may not change its port",
    );
    expect(await failureOf('warehouse', { host: 'localhost', port: collector.port })).toMatchObject({
      field: 'host',
    });
    expect(await failureOf('warehouse', { database: 'postgres' })).toMatchObject({ field: 'database' });
    expect(await failureOf('warehouse', { ssl: 'require' })).toMatchObject({ field: 'ssl' });
    const viaUrl = await failureOf('warehouse url', {
      url: `postgres://app@127.0.0.1:${collector.port}/app`,
    });
    expect(viaUrl).toMatchObject({ name: 'InvalidInputError', field: 'url' });
    expect((viaUrl as Error).message).not.toContain('Url-Pa55');
    expect(collector.collected).toEqual({ passwords: [], connections: 0 });
  });

  it('(the collector does collect: an ad-hoc call with its own password reaches it, the message hides it)', async () => {
    const failure = await failureOf(
      {
        connector_type: 'SQLPG',
        host: '127.0.0.1',
        port: collector.port,
        user: 'app',
        password: 'Ad-hoc-Pa55',
      },
      {},
    );
    expect(collector.collected.passwords).toEqual(['Ad-hoc-Pa55']);
    expect((failure as Error).message).toMatch(
      /cannot connect to app@127\.0\.0\.1:\d+\/: password authentication failed/,
    );
    expect((failure as Error).message).not.toContain('Ad-hoc-Pa55');
    collector.collected.passwords = [];
    collector.collected.connections = 0;
  });
});

describe('SQLPG: destination policy', () => {
  it("refuses Flowline's own database by default", async () => {
    const own = await callConnector({
      db,
      secretKey,
      target: { connector_type: 'SQLPG', url },
      input: { fetchval: 'select 1' },
    }).catch((error: unknown) => error);
    expect(own).toBeInstanceOf(DestinationRefusedError);
    expect(own).toMatchObject({ rule: 'own-database' });
    // The database the tests run on plays Flowline's own (the local server or the embedded one).
    const ownAddress = `${new URL(url).hostname}:${new URL(url).port}`.replace(/\./g, '\\.');
    expect((own as Error).message).toMatch(
      new RegExp(
        `^SQLPG: cannot connect to .*@${ownAddress}/.*: ${ownAddress} is refused: it is Flowline's own database \\(rule own-database\\)`,
      ),
    );
    const viaLocalhost = await callConnector({
      db,
      secretKey,
      target: {
        connector_type: 'SQLPG',
        host: 'localhost',
        port: Number(new URL(url).port),
        user: 'postgres',
      },
      input: { fetchval: 'select 1' },
    }).catch((error: unknown) => error);
    expect(viaLocalhost).toMatchObject({ rule: 'own-database' });
    expect(await testConnection(db, secretKey, 'test db')).toEqual({
      ok: false,
      message: expect.stringMatching(/rule own-database/),
    });
  });

  it('refuses loopback with deny loopback before connecting, and Unix sockets unless allowed', async () => {
    const collector = await startPasswordCollector();
    try {
      const denied = await callConnector({
        db,
        secretKey,
        destinations: destinationPolicy({ deny: ['loopback'], databaseUrl: url }),
        target: { connector_type: 'SQLPG', host: '127.0.0.1', port: collector.port, password: 'Denied-Pa55' },
        input: { fetchval: 'select 1' },
      }).catch((error: unknown) => error);
      expect(denied).toMatchObject({ name: 'DestinationRefusedError', rule: 'loopback' });
      expect(collector.collected).toEqual({ passwords: [], connections: 0 });
    } finally {
      await collector.close();
    }
    // pg is given the checked address: a name only the policy's resolver knows still connects.
    const pinned = await startPasswordCollector();
    try {
      const failure = await callConnector({
        db,
        secretKey,
        destinations: destinationPolicy({
          databaseUrl: url,
          resolve: async () => [{ address: '127.0.0.1', family: 4 }],
        }),
        target: {
          connector_type: 'SQLPG',
          host: 'checked-only.invalid',
          port: pinned.port,
          password: 'Pinned-Pa55',
        },
        input: { fetchval: 'select 1' },
      }).catch((error: unknown) => error);
      expect((failure as Error).message).toMatch(/password authentication failed/);
      expect(pinned.collected.passwords).toEqual(['Pinned-Pa55']);
    } finally {
      await pinned.close();
    }
    const socket = (port: number) =>
      callConnector({
        db,
        secretKey,
        target: { connector_type: 'SQLPG', host: '/var/run/postgresql', port, user: 'postgres' },
        input: { fetchval: 'select 1' },
      }).catch((error: unknown) => error);
    expect(await socket(5433)).toMatchObject({ rule: 'unix-socket' });
    // The local server's socket is Flowline's own database when the tests run on that server.
    const onLocalServer = new URL(url).port === '5432';
    expect(await socket(5432)).toMatchObject({ rule: onLocalServer ? 'own-database' : 'unix-socket' });
  });
});
