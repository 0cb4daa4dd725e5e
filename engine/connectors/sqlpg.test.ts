import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../postgres/embedded';
import { secretKeyFromHex } from '../secrets/secrets';
import { createConnection, testConnection } from './connections';
import {
  callConnector,
  ConnectorCallError,
  ConnectorCancelledError,
  InvalidInputError,
  MissingInputError,
} from './index';

const { db, url } = await createTestDatabase();
const secretKey = secretKeyFromHex(crypto.randomBytes(32).toString('hex'));

function sql(input: Record<string, unknown>): Promise<unknown> {
  return callConnector({ db, secretKey, target: { connector_type: 'SQLPG', url, ...input } });
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
    expect(await testConnection(db, secretKey, 'test db')).toEqual({ ok: true });
    expect(
      await callConnector({ db, secretKey, target: 'test db', input: { fetchval: 'select 40 + 2' } }),
    ).toEqual({
      result: 42,
    });
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
      target: { connector_type: 'SQLPG', url: withUrl.toString() },
      input: { fetchval: 'select 1' },
    }).catch((caught: unknown) => caught)) as Error;
    expect(urlFailure.message).toMatch(/password authentication failed/);
    expect(`${urlFailure.message}\n${urlFailure.stack}`).not.toContain(wrongPassword);

    const answer = await testConnection(db, secretKey, { connector_type: 'SQLPG', ...config });
    expect(answer.ok).toBe(false);
    expect(JSON.stringify(answer)).toMatch(/password authentication failed/);
    expect(JSON.stringify(answer)).not.toContain(wrongPassword);
  });
});
