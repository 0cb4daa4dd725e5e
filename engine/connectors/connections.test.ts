import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { decryptSecret, secretKeyFromHex } from '../secrets/secrets';
import {
  createConnection,
  deleteConnection,
  getConnection,
  listConnections,
  testConnection,
  testUnsavedConnection,
  updateConnection,
} from './connections';
import { destinationPolicy, parseAllowList } from './destinations';
import { requestHash } from '../runtime/host/journal';
import {
  ConnectionNameTakenError,
  ConnectionNotFoundError,
  macCallSecrets,
  redactSecrets,
  resolveConnectorCall,
  sealCallSecrets,
} from './index';

const { db } = await createTestDatabase();
const secretKey = secretKeyFromHex(crypto.randomBytes(32).toString('hex'));

async function rawConfig(name: string): Promise<Record<string, unknown>> {
  const { rows } = await sql<{
    config: Record<string, unknown>;
  }>`select config from connections where name = ${name}`.execute(db);
  return rows[0]!.config;
}

describe('stored connections', () => {
  it('encrypts secret fields in the table and never returns them', async () => {
    const view = await createConnection(db, secretKey, {
      name: 'crm',
      connector_type: 'REST',
      config: { url: 'https://crm.example.com/api', username: 'svc', password: 'Sup3r-Secret!', retries: 2 },
      userId: null,
    });
    expect(view.config).toEqual({
      url: 'https://crm.example.com/api',
      username: 'svc',
      password: { set: true },
      bearer_token: { set: false },
      retries: 2,
    });
    const raw = await rawConfig('crm');
    expect(JSON.stringify(raw)).not.toContain('Sup3r-Secret!');
    expect(raw.password).toMatch(/^enc:v1:/);
    expect(decryptSecret(secretKey, raw.password as string)).toBe('Sup3r-Secret!');
    expect(JSON.stringify(await getConnection(db, 'crm'))).not.toContain('Sup3r-Secret!');
    expect(await listConnections(db)).toEqual([
      expect.objectContaining({ name: 'crm', connector_type: 'REST' }),
    ]);

    const call = await resolveConnectorCall({ db, secretKey, target: 'crm', input: { path: '/x' } });
    expect(call.input.password).toBe('Sup3r-Secret!');
    expect(call.redactedInput.password).toEqual({ set: true });
  });

  it('keeps a secret on update when it is absent or empty, replaces it when given, removes it on null', async () => {
    await createConnection(db, secretKey, {
      name: 'billing',
      connector_type: 'REST',
      config: { url: 'https://billing.example.com', bearer_token: 'first-token' },
      userId: null,
    });
    const decryptedToken = async (name: string) => {
      const value = (await rawConfig(name)).bearer_token;
      return value === undefined ? undefined : decryptSecret(secretKey, value as string);
    };
    await updateConnection(db, secretKey, 'billing', {
      config: { url: 'https://billing.example.com/v2', bearer_token: '' },
      userId: null,
    });
    expect(await decryptedToken('billing')).toBe('first-token');
    expect((await getConnection(db, 'billing')).config.url).toBe('https://billing.example.com/v2');

    await updateConnection(db, secretKey, 'billing', {
      config: { url: 'https://b.example.com' },
      userId: null,
    });
    expect(await decryptedToken('billing')).toBe('first-token');

    await updateConnection(db, secretKey, 'billing', {
      name: 'billing v2',
      config: { url: 'https://b.example.com', bearer_token: 'second-token' },
      userId: null,
    });
    expect(await decryptedToken('billing v2')).toBe('second-token');

    const cleared = await updateConnection(db, secretKey, 'billing v2', {
      config: { url: 'https://b.example.com', bearer_token: null },
      userId: null,
    });
    expect(cleared.config.bearer_token).toEqual({ set: false });
    expect(await decryptedToken('billing v2')).toBeUndefined();
  });

  it('refuses bad names, duplicates, unknown fields and wrong values, naming them', async () => {
    const create = (name: string, config: unknown, connector_type = 'REST') =>
      createConnection(db, secretKey, { name, connector_type, config, userId: null });
    await create('dup', {});
    await expect(create('dup', {})).rejects.toThrow(new ConnectionNameTakenError('dup'));
    await expect(create('a/b', {})).rejects.toMatchObject({ field: 'name', kind: 'invalid' });
    await expect(create('a/b', {})).rejects.toThrow(/A connection name may only contain/);
    await expect(create('x', { colour: 'red' })).rejects.toMatchObject({
      name: 'ExtraInputError',
      field: 'colour',
    });
    await expect(create('x', { port: 'eighty' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'port',
    });
    await expect(create('x', { headers: { A: 1 } })).rejects.toMatchObject({ field: 'headers.A' });
    await expect(create('x', {}, 'FTP')).rejects.toMatchObject({ field: 'connector_type' });
    await expect(getConnection(db, 'x')).rejects.toBeInstanceOf(ConnectionNotFoundError);
  });

  it('answers a field named like an Object.prototype member as an input error naming it, not a crash', async () => {
    for (const field of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const config = JSON.parse(`{"${field}": "x"}`) as unknown;
      await expect(
        createConnection(db, secretKey, { name: 'proto', connector_type: 'REST', config, userId: null }),
      ).rejects.toMatchObject({ name: 'ExtraInputError', kind: 'invalid', field });
    }
    await createConnection(db, secretKey, {
      name: 'proto',
      connector_type: 'SQLPG',
      config: {},
      userId: null,
    });
    await expect(
      updateConnection(db, secretKey, 'proto', { config: { toString: 1 }, userId: null }),
    ).rejects.toMatchObject({ name: 'ExtraInputError', field: 'toString' });
    await expect(
      resolveConnectorCall({ db, secretKey, target: 'proto', input: { constructor: 'x' } }),
    ).rejects.toMatchObject({ name: 'ExtraInputError', field: 'constructor' });
  });

  it("encrypts credential headers, query and form entries, and moves a url's user info and api_key out of it", async () => {
    const view = await createConnection(db, secretKey, {
      name: 'keyed',
      connector_type: 'REST',
      config: {
        url: 'https://svc:url-Pa55word@keyed.example.com/v1?api_key=url-api-key&lang=en',
        headers: { 'X-Api-Key': 'header-api-key', Authorization: 'Token header-auth', Accept: 'text/csv' },
        params: { access_token: 'param-token', page: 1 },
      },
      userId: null,
    });
    expect(view.config).toEqual({
      url: 'https://keyed.example.com/v1?lang=en',
      username: 'svc',
      password: { set: true },
      bearer_token: { set: false },
      headers: { 'X-Api-Key': { set: true }, Authorization: { set: true }, Accept: 'text/csv' },
      params: { access_token: { set: true }, page: 1, api_key: { set: true } },
    });
    const raw = JSON.stringify(await rawConfig('keyed'));
    for (const secret of ['url-Pa55word', 'url-api-key', 'header-api-key', 'header-auth', 'param-token']) {
      expect(raw).not.toContain(secret);
    }
    expect(raw).toContain('text/csv');

    const call = await resolveConnectorCall({ db, secretKey, target: 'keyed', input: { path: '/x' } });
    expect(call.input.headers).toEqual({
      'X-Api-Key': 'header-api-key',
      Authorization: 'Token header-auth',
      Accept: 'text/csv',
    });
    expect(call.redactedInput.headers).toEqual(view.config.headers);
    expect(call.secretValues).toEqual(
      expect.arrayContaining([
        'url-Pa55word',
        'header-api-key',
        'Token header-auth',
        'param-token',
        'url-api-key',
        Buffer.from('svc:url-Pa55word').toString('base64'),
      ]),
    );

    // The form sends back what it was shown: shown secret entries keep their value, others change.
    await updateConnection(db, secretKey, 'keyed', {
      config: { ...view.config, headers: { 'X-Api-Key': { set: true }, Accept: 'application/json' } },
      userId: null,
    });
    const updated = await resolveConnectorCall({ db, secretKey, target: 'keyed', input: { path: '/x' } });
    expect(updated.input.headers).toEqual({ 'X-Api-Key': 'header-api-key', Accept: 'application/json' });
    expect(updated.input.password).toBe('url-Pa55word');
    expect(updated.input.params).toEqual({ access_token: 'param-token', page: 1, api_key: 'url-api-key' });
  });

  it('deletes a connection', async () => {
    await createConnection(db, secretKey, {
      name: 'gone',
      connector_type: 'SQLPG',
      config: {},
      userId: null,
    });
    await deleteConnection(db, 'gone');
    await expect(getConnection(db, 'gone')).rejects.toBeInstanceOf(ConnectionNotFoundError);
    await expect(deleteConnection(db, 'gone')).rejects.toBeInstanceOf(ConnectionNotFoundError);
  });

  it('suggests the connection a misspelt name was likely meant to be', async () => {
    await createConnection(db, secretKey, {
      name: 'my-database',
      connector_type: 'SQLPG',
      config: {},
      userId: null,
    });
    await expect(getConnection(db, 'my-databse')).rejects.toThrow(
      "connection 'my-databse' does not exist; did you mean 'my-database'?",
    );
  });

  it('answers a failed test with the reason', async () => {
    expect(await testConnection(db, secretKey, 'no such thing')).toEqual({
      ok: false,
      message: "connection 'no such thing' does not exist",
    });
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await testConnection(db, secretKey, {
      connector_type: 'REST',
      url: `http://127.0.0.1:${port}/`,
    });
    expect(refused).toEqual({ ok: false, message: expect.stringMatching(/request failed \(ECONNREFUSED\)/) });
  });

  it("answers an unexpected status with the answer's body apart from the message", async () => {
    const page = '<!DOCTYPE html><html><body><h1>Not here</h1></body></html>';
    const server = http.createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' }).end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      const result = await testUnsavedConnection(
        db,
        secretKey,
        { connector_type: 'REST', config: { url: `http://127.0.0.1:${port}/missing` } },
        {
          destinations: destinationPolicy({
            allow: parseAllowList(`127.0.0.1:${port}`),
            databaseUrl: undefined,
          }),
        },
      );
      expect(result).toEqual({
        ok: false,
        message: `GET http://127.0.0.1:${port}/missing answered 404 Not Found, expected 200, 201, 202, 204`,
        body: page,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('redactSecrets', () => {
  it('replaces every secret field of the type by whether it is set', () => {
    expect(redactSecrets('SQLPG', { host: 'db', password: 'pw' })).toEqual({
      host: 'db',
      password: { set: true },
      url: { set: false },
    });
    expect(redactSecrets('REST', { url: 'https://x', bearer_token: '' })).toEqual({
      url: 'https://x',
      password: { set: false },
      bearer_token: { set: false },
    });
    expect(
      redactSecrets('REST', { headers: { 'x-auth-token': 't', author: 'me' }, form: { pwd: 'p' } }),
    ).toEqual({
      headers: { 'x-auth-token': { set: true }, author: 'me' },
      form: { pwd: { set: true } },
      password: { set: false },
      bearer_token: { set: false },
    });
  });
});

describe('a connection call as the journal keeps it', () => {
  const call = (token: string) => ({
    kind: 'connect',
    connection: { connector_type: 'REST', url: 'https://ann:url-pw@api.example.com/v1', bearer_token: token },
    input: { path: '/orders', headers: { Authorization: 'Token header-secret', Accept: 'text/csv' } },
    options: {},
  });

  it('seals every value that may hold a secret, and leaves the rest readable', () => {
    const sealed = sealCallSecrets(secretKey, call('tok-1'));
    expect(sealed).toMatchObject({
      kind: 'connect',
      connection: { connector_type: 'REST', url: expect.stringMatching(/^enc:v1:/) },
      input: {
        path: '/orders',
        headers: { Accept: 'text/csv', Authorization: expect.stringMatching(/^enc:v1:/) },
      },
    });
    expect(decryptSecret(secretKey, sealed.connection.bearer_token)).toBe('tok-1');
    expect(JSON.stringify(sealed)).not.toMatch(/url-pw|header-secret|tok-1/);
    // Named connections: their type is not known yet, so any connector's secret fields are sealed.
    const named = sealCallSecrets(secretKey, {
      connection: 'crm',
      input: { password: 'pw', url: 'postgres://a:b@h/d' },
    });
    expect(named.input).toEqual({
      password: expect.stringMatching(/^enc:v1:/),
      url: expect.stringMatching(/^enc:v1:/),
    });
  });

  it('hashes the same call the same on replay, another secret differently, and without the secret in clear', () => {
    const hash = (token: string) => requestHash('child.start', macCallSecrets(secretKey, call(token)));
    expect(hash('tok-1')).toBe(hash('tok-1'));
    expect(hash('tok-2')).not.toBe(hash('tok-1'));
    expect(JSON.stringify(macCallSecrets(secretKey, call('tok-1')))).not.toMatch(
      /url-pw|header-secret|tok-1/,
    );
    // Sealing is not deterministic (a fresh IV each time): it could not be what the hash covers.
    expect(JSON.stringify(sealCallSecrets(secretKey, call('tok-1')))).not.toBe(
      JSON.stringify(sealCallSecrets(secretKey, call('tok-1'))),
    );
  });
});
