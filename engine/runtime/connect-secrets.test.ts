import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUpEngineTestbed } from '../../test/engine-testbed';
import { createConnection } from '../connectors/connections';
import { decryptSecret, isEncryptedSecret, secretKeyFromHex } from '../secrets/secrets';
import { getExecution } from '../store/executions';
import { requestHash } from './host/journal';
import { defineFlow, TEST_SECRET_KEY, treeOf, waitForEnd, waitUntil } from './testing';

const { db, run } = await setUpEngineTestbed();
const secretKey = secretKeyFromHex(TEST_SECRET_KEY);

/** Every request the test server got, by path; /fail quotes the Authorization header it was sent. */
const hits = new Map<string, number>();
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/fail') {
      response.writeHead(401, { 'content-type': 'text/plain' });
      response.end(`refused ${request.headers.authorization ?? ''}`);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

// The flow builds its secrets from parts, so that they are not in its code (which is stored as written):
// whatever of them is found in the database got there through the connection calls.
const SECRETS = {
  urlPassword: 'url-Pa55word',
  queryKey: 'query-api-key',
  headerKey: 'header-api-key',
  authHeader: 'auth-header-token',
  callToken: 'call-token-xyz',
  storedToken: 'stored-bearer-token',
};

const FLOW = `export default async function handler(this: any) {
  const s = (...parts: string[]) => parts.join('-');
  const base: string = this.input.base;
  const adHocUrl = base.replace('http://', 'http://ann:' + s('url', 'Pa55word') + '@') + '/ok?api_key=' + s('query', 'api', 'key');
  await this.connect({
    connector_type: 'REST',
    url: adHocUrl,
    headers: { 'X-Api-Key': s('header', 'api', 'key'), Authorization: 'Token ' + s('auth', 'header', 'token') },
  });
  await this.connect('crm', { path: '/ok', headers: { 'X-Call-Token': s('call', 'token', 'xyz') } });
  let failure = '';
  try {
    await this.connect('crm', { path: '/fail' });
  } catch (error) {
    failure = (error as Error).message;
  }
  let refused = '';
  try {
    await this.connect('crm', { url: 'http://127.0.0.1:9/attacker' });
  } catch (error) {
    refused = (error as Error).message;
  }
  // Longer than a second: the run suspends, and the next one replays every call above from the journal.
  await this.sleep(1.5);
  return this.success(JSON.stringify({ failure, refused }));
}`;

describe('connection secrets at rest', () => {
  it('keeps every secret of a connection call out of the database, in clear, also after a replay', async () => {
    await createConnection(db, secretKey, {
      name: 'crm',
      connector_type: 'REST',
      config: { url: base, bearer_token: SECRETS.storedToken },
      userId: null,
    });
    await defineFlow(db, 'secretive', FLOW);
    const execution = await run('secretive', { base });
    const ended = await waitForEnd(db, execution.id, 60_000);
    expect(ended.error).toBeNull();
    expect(ended.status).toBe('ENDED_SUCCESS');
    // Replayed, not repeated: each call reached the server once.
    expect(Object.fromEntries(hits)).toEqual({ '/ok': 2, '/fail': 1 });
    const { failure, refused } = JSON.parse(ended.message ?? '{}') as { failure: string; refused: string };
    expect(failure).toMatch(/answered 401 Unauthorized.*: refused Bearer \*\*\*/);
    expect(refused).toMatch(
      /url: connection 'crm' sends to http:\/\/127\.0\.0\.1:\d+\/; a call may give a path/,
    );

    // The journal keeps the calls sealed: readable where they hold no secret, decryptable where they do.
    const steps = await sql<{ request: { connection: unknown; input: Record<string, unknown> } }>`
      select request from execution_steps where execution_id = ${execution.id} and kind = 'child.start' order by seq`.execute(
      db,
    );
    const [adHoc, stored] = steps.rows.map((row) => row.request);
    expect(adHoc!.connection).toMatchObject({
      connector_type: 'REST',
      url: expect.stringMatching(/^enc:v1:/),
    });
    const sealedUrl = (adHoc!.connection as { url: string }).url;
    expect(decryptSecret(secretKey, sealedUrl)).toContain(SECRETS.urlPassword);
    expect(stored).toMatchObject({ connection: 'crm', input: { path: '/ok' } });
    expect((stored!.input.headers as Record<string, string>)['X-Call-Token']).toMatch(/^enc:v1:/);

    // The CONNECTION executions' inputs show where the calls went, with the secrets as { set }.
    const connections = (await treeOf(db, execution.id)).filter((e) => e.type === 'CONNECTION');
    expect(connections[0]!.input).toMatchObject({
      url: `${base}/ok`,
      username: 'ann',
      password: { set: true },
      params: { api_key: { set: true } },
      headers: { 'X-Api-Key': { set: true }, Authorization: { set: true } },
    });

    const everything = await dumpDatabase();
    expect(everything).toContain(`${base.slice('http://'.length)}`); // the dump does hold the calls
    for (const [what, secret] of Object.entries(SECRETS)) {
      expect({ what, found: everything.includes(secret) }).toEqual({ what, found: false });
    }
    expect(everything).not.toContain(Buffer.from(`ann:${SECRETS.urlPassword}`).toString('base64'));
  });
});

describe('a journal recorded before connection calls were sealed', () => {
  it('replays a connection step hashed from the request itself, as it would have before', async () => {
    await defineFlow(
      db,
      'sleepy-connect',
      `export default async function handler(this: any) {
        await this.connect({ connector_type: 'REST', url: this.input.base + '/ok', bearer_token: 'old-' + 'token' });
        await this.sleep(3);
        return this.success('replayed');
      }`,
    );
    const execution = await run('sleepy-connect', { base });
    await waitUntil(async () => (await getExecution(db, execution.id))?.status === 'WAITING', 20_000);
    // Make step 1 look as an earlier version wrote it: the hash of the request in clear.
    const { rows } = await sql<{ request: unknown }>`
      select request from execution_steps where execution_id = ${execution.id} and seq = 1`.execute(db);
    const inClear = unsealed(rows[0]!.request);
    await sql`update execution_steps set request_hash = ${requestHash('child.start', inClear)}
      where execution_id = ${execution.id} and seq = 1`.execute(db);
    const ended = await waitForEnd(db, execution.id, 30_000);
    expect(ended.error).toBeNull();
    expect(ended).toMatchObject({ status: 'ENDED_SUCCESS', message: 'replayed' });
  });
});

/** A sealed journal request with every sealed value decrypted: the request as user code sent it. */
function unsealed(value: unknown): unknown {
  if (isEncryptedSecret(value)) return decryptSecret(secretKey, value);
  if (Array.isArray(value)) return value.map(unsealed);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unsealed(item)]));
  }
  return value;
}

/**
 * The whole test database as text: every row of every table, each row as PostgreSQL prints it. In SQL
 * rather than by pg_dump, whose version must match the server's (the embedded PostgreSQL is newer than
 * Debian's client tools).
 */
async function dumpDatabase(): Promise<string> {
  const tables = await sql<{ schema: string; name: string }>`
    select table_schema as schema, table_name as name from information_schema.tables
    where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`.execute(db);
  let dump = '';
  for (const table of tables.rows) {
    const rows = await sql<{ row: string }>`
      select t::text as row from ${sql.table(`${table.schema}.${table.name}`)} t`.execute(db);
    dump += rows.rows.map((row) => row.row).join('\n');
  }
  return dump;
}
