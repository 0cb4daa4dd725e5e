import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { createTestDatabase } from '../../test/database';
import { secretKeyFromHex } from '../secrets/secrets';
import { createConnection } from './connections';
import {
  destinationPolicy,
  parseAllowList,
  type DeniableRange,
  type DestinationPolicy,
} from './destinations';
import {
  callConnector,
  DestinationRefusedError,
  ConnectionNotFoundError,
  ConnectorCancelledError,
  ConnectorTimeoutError,
  ExtraInputError,
  InvalidInputError,
  MissingInputError,
  RestStatusError,
} from './index';
import type { RestOutput } from './rest';

const { db, url: databaseUrl } = await createTestDatabase();
const secretKey = secretKeyFromHex(crypto.randomBytes(32).toString('hex'));

type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
let seen: Seen[] = [];
let flakyFailures = 0;
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      const path = new URL(entry.url, 'http://x').pathname;
      if (path === '/echo') {
        response.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'test' });
        response.end(JSON.stringify(entry));
      } else if (path === '/text') {
        response.writeHead(201, { 'content-type': 'text/plain' });
        response.end('plain words');
      } else if (path === '/missing') {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end(`nothing here ${'x'.repeat(1000)}`);
      } else if (path === '/always-503') {
        response.writeHead(503);
        response.end('busy');
      } else if (path === '/flaky') {
        if (flakyFailures > 0) {
          flakyFailures -= 1;
          response.writeHead(503);
          response.end('try later');
        } else {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('{"finally":true}');
        }
      } else if (path === '/redirect') {
        const to = new URL(entry.url, 'http://x').searchParams;
        response.writeHead(Number(to.get('status') ?? 302), { location: to.get('to') ?? '/echo' });
        response.end();
      } else if (path === '/loop') {
        response.writeHead(302, { location: '/loop' });
        response.end();
      } else if (path === '/busy-echo-auth') {
        response.writeHead(503, { 'content-type': 'text/plain' });
        response.end(`busy, ${request.headers.authorization ?? ''}`);
      } else if (path === '/echo-auth') {
        // A server that quotes the credentials it was sent in its error page.
        response.writeHead(401, { 'content-type': 'text/plain' });
        response.end(
          `bad credentials: ${request.headers.authorization ?? ''} ${request.headers['x-api-key'] ?? ''}`,
        );
      } else if (path === '/hang') {
        // Never answers: only the client's read timeout ends this.
      } else {
        response.writeHead(500);
        response.end('unknown test path');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

/** Another server (the attacker's): it records everything it is sent, and answers 200. */
let stolen: Seen[] = [];
let attacker: http.Server;
let attackerBase: string;

beforeAll(async () => {
  attacker = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      stolen.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"stolen":true}');
    });
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerBase = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  attacker.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => attacker.close(resolve));
});

beforeEach(() => {
  seen = [];
  stolen = [];
});

function rest(input: Record<string, unknown>): Promise<RestOutput> {
  return callConnector({
    db,
    secretKey,
    target: { connector_type: 'REST', ...input },
  }) as Promise<RestOutput>;
}

function echoed(output: RestOutput): Seen {
  return output.json as Seen;
}

describe('REST connector', () => {
  it('sends GET with query params and headers, and parses a JSON answer', async () => {
    const output = await rest({
      url: `${base}/echo`,
      params: { q: 'a b&c', page: 2, tag: ['x', 'y'] },
      headers: { 'X-Custom': 'yes' },
    });
    expect(output.status_code).toBe(200);
    expect(output.headers['x-served-by']).toBe('test');
    const request = echoed(output);
    expect(request.method).toBe('GET');
    expect(request.url).toBe('/echo?q=a+b%26c&page=2&tag=x&tag=y');
    expect(request.headers['x-custom']).toBe('yes');
    expect(output.text).toBeUndefined();
  });

  it('builds the URL from scheme, hostname, port and path', async () => {
    const { port } = new URL(base);
    const output = await rest({ scheme: 'http', hostname: '127.0.0.1', port: Number(port), path: 'echo' });
    expect(echoed(output).url).toBe('/echo');
  });

  it('sends JSON, text and form bodies with their content types', async () => {
    const json = echoed(await rest({ url: `${base}/echo`, method: 'POST', json: { a: [1, 2] } }));
    expect(json.method).toBe('POST');
    expect(json.headers['content-type']).toBe('application/json');
    expect(JSON.parse(json.body)).toEqual({ a: [1, 2] });

    const text = echoed(await rest({ url: `${base}/echo`, method: 'PUT', text: 'hello there' }));
    expect(text.method).toBe('PUT');
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.body).toBe('hello there');

    const form = echoed(await rest({ url: `${base}/echo`, method: 'PATCH', form: { name: 'a b', n: 3 } }));
    expect(form.method).toBe('PATCH');
    expect(form.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(form.body).toBe('name=a+b&n=3');

    const deleted = echoed(await rest({ url: `${base}/echo`, method: 'DELETE' }));
    expect(deleted.method).toBe('DELETE');
  });

  it('returns text for a non-JSON answer', async () => {
    const output = await rest({ url: `${base}/text` });
    expect(output).toMatchObject({ status_code: 201, text: 'plain words' });
  });

  it('sends basic and bearer auth', async () => {
    const basic = echoed(await rest({ url: `${base}/echo`, username: 'ann', password: 'p@ss:word' }));
    expect(basic.headers.authorization).toBe(`Basic ${Buffer.from('ann:p@ss:word').toString('base64')}`);
    const bearer = echoed(await rest({ url: `${base}/echo`, bearer_token: 'tok-123' }));
    expect(bearer.headers.authorization).toBe('Bearer tok-123');
  });

  it('fails on an unexpected status with the status and a short body excerpt', async () => {
    const failure = await rest({ url: `${base}/missing?token=secret-query` }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RestStatusError);
    const error = failure as RestStatusError;
    expect(error.status).toBe(404);
    expect(error.message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/missing answered 404 Not Found, expected 200, 201, 202, 204: nothing here x+…$/,
    );
    expect(error.message).not.toContain('secret-query');
    expect(error.bodyExcerpt.length).toBeLessThan(400);
    const accepted = await rest({ url: `${base}/missing`, expected_status_code: [404] });
    expect(accepted.status_code).toBe(404);
  });

  it('gives up after read_timeout when the server does not answer', async () => {
    const failure = await rest({ url: `${base}/hang`, read_timeout: 0.3 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ConnectorTimeoutError);
    expect((failure as Error).message).toMatch(/no answer within read_timeout 0.3 s/);
  });

  it('gives up after connect_timeout when the server takes no more connections', async () => {
    // A listening socket that never accepts (Node always accepts, so python3 holds it), its backlog
    // filled by one connection: the kernel then drops further SYNs and a connect never completes.
    const listener = spawn('python3', [
      '-c',
      'import socket,sys,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\n' +
        'print(s.getsockname()[1],flush=True);sys.stdin.read()',
    ]);
    try {
      const [line] = (await once(listener.stdout, 'data')) as [Buffer];
      const port = Number(line.toString().trim());
      const filler = net.connect(port, '127.0.0.1');
      await once(filler, 'connect');
      const failure = await rest({ url: `http://127.0.0.1:${port}/`, connect_timeout: 0.5 }).catch(
        (error: unknown) => error,
      );
      filler.destroy();
      expect(failure).toBeInstanceOf(ConnectorTimeoutError);
      expect((failure as Error).message).toMatch(/no connection within connect_timeout 0.5 s/);
    } finally {
      listener.kill();
    }
  });

  it('stops a request in flight when the call is cancelled', async () => {
    const controller = new AbortController();
    const running = callConnector({
      db,
      secretKey,
      target: { connector_type: 'REST', url: `${base}/hang` },
      signal: controller.signal,
    }).catch((error: unknown) => error);
    await expect.poll(() => seen.length).toBe(1);
    controller.abort();
    const failure = await running;
    expect(failure).toBeInstanceOf(ConnectorCancelledError);
    expect((failure as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/hang: cancelled$/);
  });

  it('retries 503 with backoff until it succeeds, counted by the server', async () => {
    flakyFailures = 2;
    const output = await rest({ url: `${base}/flaky`, retries: 3, retry_initial_delay: 0.01 });
    expect(output.json).toEqual({ finally: true });
    expect(seen.filter((request) => request.url === '/flaky')).toHaveLength(3);
  });

  it('stops after the given number of retries, and never retries by default or on 404', async () => {
    await expect(rest({ url: `${base}/always-503`, retries: 2, retry_initial_delay: 0.01 })).rejects.toThrow(
      /answered 503/,
    );
    expect(seen).toHaveLength(3);
    seen = [];
    await expect(rest({ url: `${base}/always-503` })).rejects.toThrow(RestStatusError);
    expect(seen).toHaveLength(1);
    seen = [];
    await expect(rest({ url: `${base}/missing`, retries: 3, retry_initial_delay: 0.01 })).rejects.toThrow(
      /404/,
    );
    expect(seen).toHaveLength(1);
  });

  it('names the field of a wrong input', async () => {
    const failureOf = (input: Record<string, unknown>) => rest(input).catch((error: unknown) => error);
    const missing = await failureOf({ method: 'GET' });
    expect(missing).toBeInstanceOf(MissingInputError);
    expect(missing).toMatchObject({ field: 'url' });

    const invalid = await failureOf({ url: `${base}/echo`, method: 'FETCH' });
    expect(invalid).toBeInstanceOf(InvalidInputError);
    expect(invalid).toMatchObject({ field: 'method' });

    const badHeader = await failureOf({ url: `${base}/echo`, headers: { 'X-N': 5 } });
    expect(badHeader).toMatchObject({ name: 'InvalidInputError', field: 'headers.X-N' });

    const extra = await failureOf({ url: `${base}/echo`, colour: 'blue' });
    expect(extra).toBeInstanceOf(ExtraInputError);
    expect(extra).toMatchObject({ field: 'colour' });
    expect((extra as Error).message).toBe('colour: not an input of connector REST');

    const twoBodies = await failureOf({ url: `${base}/echo`, json: {}, text: 'x' });
    expect(twoBodies).toMatchObject({ name: 'InvalidInputError', field: 'text' });

    const unknownType = await callConnector({ db, secretKey, target: { connector_type: 'NOPE' } }).catch(
      (error: unknown) => error,
    );
    expect(unknownType).toMatchObject({ field: 'connector_type' });
    expect((unknownType as Error).message).toMatch(/unknown connector type "NOPE"; known types: REST/);
    expect(seen).toHaveLength(0);
  });

  it('calls a stored connection with the call input merged over it, secrets decrypted', async () => {
    await createConnection(db, secretKey, {
      name: 'echo api',
      connector_type: 'REST',
      config: { url: base, headers: { 'X-Stored': 'kept' }, bearer_token: 'stored-token' },
      userId: null,
    });
    const output = (await callConnector({
      db,
      secretKey,
      target: 'echo api',
      input: { path: '/echo', method: 'POST', headers: { 'X-Call': 'added' }, json: { n: 1 } },
    })) as RestOutput;
    const request = echoed(output);
    expect(request).toMatchObject({ method: 'POST', url: '/echo', body: '{"n":1}' });
    expect(request.headers).toMatchObject({
      'x-stored': 'kept',
      'x-call': 'added',
      authorization: 'Bearer stored-token',
    });

    await expect(callConnector({ db, secretKey, target: 'no such connection' })).rejects.toThrow(
      new ConnectionNotFoundError('no such connection'),
    );
  });
});

describe('REST: a stored connection keeps its destination', () => {
  beforeAll(async () => {
    await createConnection(db, secretKey, {
      name: 'crm',
      connector_type: 'REST',
      config: { url: `${base}/api`, bearer_token: 'crm-token', headers: { 'X-Api-Key': 'crm-api-key' } },
      userId: null,
    });
    await createConnection(db, secretKey, {
      name: 'basic crm',
      connector_type: 'REST',
      config: {
        scheme: 'http',
        hostname: '127.0.0.1',
        port: Number(new URL(base).port),
        username: 'svc',
        password: 'basic-pw',
      },
      userId: null,
    });
    await createConnection(db, secretKey, {
      name: 'token only',
      connector_type: 'REST',
      config: { bearer_token: 'floating-token' },
      userId: null,
    });
  });

  const callCrm = (name: string, input: Record<string, unknown>) =>
    callConnector({ db, secretKey, target: name, input }).catch((error: unknown) => error);

  it('refuses a call that changes url, hostname or port, and sends nothing anywhere', async () => {
    const url = await callCrm('crm', { url: `${attackerBase}/attacker` });
    expect(url).toBeInstanceOf(InvalidInputError);
    expect(url).toMatchObject({ field: 'url' });
    expect((url as Error).message).toBe(
      `url: connection 'crm' sends to ${base}/api; a call may give a path below it and params, not another url`,
    );
    const { port: attackerPort } = new URL(attackerBase);
    const port = await callCrm('basic crm', { port: Number(attackerPort) });
    expect(port).toMatchObject({ name: 'InvalidInputError', field: 'port' });
    const host = await callCrm('basic crm', { hostname: 'localhost', port: Number(attackerPort) });
    expect(host).toMatchObject({ name: 'InvalidInputError', field: 'hostname' });
    const scheme = await callCrm('basic crm', { scheme: 'https' });
    expect(scheme).toMatchObject({ name: 'InvalidInputError', field: 'scheme' });
    const floating = await callCrm('token only', { url: `${attackerBase}/attacker` });
    expect((floating as Error).message).toBe(
      "url: connection 'token only' holds credentials but no url: store its url, so that no call can send them elsewhere",
    );
    expect(stolen).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('lets the path vary below the stored url, but not leave it', async () => {
    const output = (await callConnector({
      db,
      secretKey,
      target: 'crm',
      input: { path: '/orders', params: { page: 2 }, expected_status_code: 500 },
    })) as RestOutput;
    expect(output.status_code).toBe(500); // the test server knows no /api/orders: it was reached
    expect(seen).toMatchObject([
      { url: '/api/orders?page=2', headers: { authorization: 'Bearer crm-token' } },
    ]);
    seen = [];
    for (const path of ['../echo', '/%2e%2e/echo', '/..']) {
      const escaped = await callCrm('crm', { path });
      expect(escaped).toMatchObject({ name: 'InvalidInputError', field: 'path' });
      expect((escaped as Error).message).toMatch(
        /^path: http:\/\/127\.0\.0\.1:\d+\/(echo)? is not below http:\/\/127\.0\.0\.1:\d+\/api, the url of connection 'crm'$/,
      );
    }
    const basic = (await callConnector({
      db,
      secretKey,
      target: 'basic crm',
      input: { path: '/echo' },
    })) as RestOutput;
    expect(echoed(basic).headers.authorization).toBe(
      `Basic ${Buffer.from('svc:basic-pw').toString('base64')}`,
    );
    expect(stolen).toEqual([]);
  });

  it('keeps basic-auth credentials and secret headers out of error messages, also in their base64 form', async () => {
    const failure = await callCrm('basic crm', { path: '/echo-auth' });
    expect(failure).toBeInstanceOf(RestStatusError);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /answered 401 Unauthorized, expected 200, 201, 202, 204: bad credentials: Basic \*\*\*/,
    );
    expect(message).not.toContain(Buffer.from('svc:basic-pw').toString('base64'));
    expect(message).not.toContain('basic-pw');
    expect((failure as RestStatusError).bodyExcerpt).toBe('bad credentials: Basic *** ');
    const adHoc = (await rest({
      url: `${base}/echo-auth`,
      headers: { 'X-Api-Key': 'ad-hoc-api-key' },
      bearer_token: 'ad-hoc-token',
    }).catch((error: unknown) => error)) as Error;
    expect(adHoc.message).toContain('bad credentials: Bearer *** ***');
    expect(adHoc.message).not.toContain('ad-hoc');
  });

  it('keeps secrets out of the log lines a call writes (a retry quoting the failure)', async () => {
    const lines: Array<{ message: string; data: unknown }> = [];
    const failure = await callConnector({
      db,
      secretKey,
      target: { connector_type: 'REST', url: `${base}/busy-echo-auth`, bearer_token: 'logged-token' },
      input: { retries: 1, retry_initial_delay: 0.01 },
      log: (message, data) => lines.push({ message, data }),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RestStatusError);
    expect(lines).toEqual([
      {
        message: expect.stringMatching(/busy-echo-auth failed \(try 1\), retrying in 0.01 s$/),
        data: { error: expect.stringMatching(/answered 503 .*: busy, Bearer \*\*\*$/) },
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('logged-token');
  });

  it("moves a url's user info to basic auth and its api_key to the query params", async () => {
    const output = await rest({
      url: `http://ann:pa%3Ass@${base.slice('http://'.length)}/echo?api_key=k1&x=2`,
    });
    const request = echoed(output);
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('ann:pa:ss').toString('base64')}`);
    expect(request.url).toBe('/echo?x=2&api_key=k1');
  });
});

describe('REST: destination policy', () => {
  const policy = (deny: DeniableRange[], allow = '') =>
    destinationPolicy({ deny, allow: parseAllowList(allow), databaseUrl: undefined });
  const callWith = (destinations: DestinationPolicy, input: Record<string, unknown>) =>
    callConnector({ db, secretKey, target: { connector_type: 'REST', ...input }, destinations }).catch(
      (error: unknown) => error,
    );

  it('reaches loopback by default, refuses it with deny loopback, reaches it again through an allowed host', async () => {
    expect(((await rest({ url: `${base}/echo` })) as RestOutput).status_code).toBe(200);
    const refused = await callWith(policy(['loopback']), { url: `${base}/echo` });
    expect(refused).toBeInstanceOf(DestinationRefusedError);
    expect(refused).toMatchObject({ rule: 'loopback' });
    expect((refused as Error).message).toBe(
      `GET ${base}/echo: 127.0.0.1:${new URL(base).port} is refused: loopback addresses are denied by ` +
        'FLOWLINE_CONNECT_DENY (rule loopback); allow this host with FLOWLINE_CONNECT_ALLOW',
    );
    const viaName = await callWith(policy(['loopback']), {
      url: `${base.replace('127.0.0.1', 'localhost')}/echo`,
    });
    expect(viaName).toMatchObject({ rule: 'loopback' });
    expect(seen).toHaveLength(1);
    const allowed = (await callWith(policy(['loopback'], '127.0.0.1'), {
      url: `${base}/echo`,
    })) as RestOutput;
    expect(allowed.status_code).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('connects to the addresses it checked: the connection does not look the name up again', async () => {
    // A name only the policy's resolver knows: a second lookup by the HTTP client would not find it.
    const checkedOnly = destinationPolicy({
      databaseUrl: undefined,
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const url = `http://checked-only.invalid:${new URL(base).port}/echo`;
    const output = (await callWith(checkedOnly, { url })) as RestOutput;
    expect(output.status_code).toBe(200);
    expect(echoed(output).headers.host).toBe(`checked-only.invalid:${new URL(base).port}`);
    const refused = await callWith({ ...checkedOnly, deny: new Set(['loopback'] as const) }, { url });
    expect(refused).toMatchObject({ rule: 'loopback' });
  });

  it('does not retry a refused destination', async () => {
    let lookups = 0;
    const counting = destinationPolicy({
      deny: ['loopback'],
      databaseUrl: undefined,
      resolve: async () => {
        lookups += 1;
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    const refused = await callWith(counting, {
      url: 'http://counted.invalid/',
      retries: 3,
      retry_initial_delay: 0.01,
    });
    expect(refused).toMatchObject({ rule: 'loopback' });
    expect(lookups).toBe(1);
  });

  it('refuses link-local (metadata) addresses by default, before connecting', async () => {
    const refused = await rest({
      url: 'http://169.254.169.254/latest/meta-data/',
      connect_timeout: 30,
    }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ name: 'DestinationRefusedError', rule: 'link-local' });
    expect((refused as Error).message).toBe(
      'GET http://169.254.169.254/latest/meta-data/: 169.254.169.254:80 is refused: link-local addresses ' +
        '(cloud metadata services) are refused by default (rule link-local); allow this host with FLOWLINE_CONNECT_ALLOW',
    );
  });

  it("refuses Flowline's own database as an HTTP destination too", async () => {
    // The database the tests run on plays Flowline's own (the local server or the embedded one).
    const { hostname, port } = new URL(databaseUrl);
    const own = await rest({ url: `http://${hostname}:${port}/` }).catch((error: unknown) => error);
    expect(own).toMatchObject({ rule: 'own-database' });
  });

  it('checks every redirect, and sends no credentials to another origin', async () => {
    const toAttacker = encodeURIComponent(`${attackerBase}/landing`);
    const output = (await rest({
      url: `${base}/redirect?to=${toAttacker}`,
      bearer_token: 'redirect-token',
      headers: { 'X-Api-Key': 'redirect-key', 'X-Plain': 'kept' },
    })) as RestOutput;
    expect(output.json).toEqual({ stolen: true });
    expect(stolen).toHaveLength(1);
    expect(stolen[0]!.headers.authorization).toBeUndefined();
    expect(stolen[0]!.headers['x-api-key']).toBeUndefined();
    expect(stolen[0]!.headers['x-plain']).toBe('kept');

    // Same origin: the credentials go along.
    const same = echoed(
      (await rest({
        url: `${base}/redirect?to=/echo&status=307`,
        method: 'POST',
        text: 'again',
        bearer_token: 't',
      })) as RestOutput,
    );
    expect(same).toMatchObject({ method: 'POST', body: 'again', headers: { authorization: 'Bearer t' } });
    // 303 turns into a GET without a body.
    const seeOther = echoed(
      (await rest({ url: `${base}/redirect?to=/echo&status=303`, method: 'POST', text: 'x' })) as RestOutput,
    );
    expect(seeOther).toMatchObject({ method: 'GET', body: '' });

    const metadata = await rest({
      url: `${base}/redirect?to=${encodeURIComponent('http://169.254.169.254/')}`,
    }).catch((error: unknown) => error);
    expect(metadata).toMatchObject({ rule: 'link-local' });
    expect((metadata as Error).message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/redirect: redirected to http:\/\/169\.254\.169\.254\/: 169\.254\.169\.254:80 is refused/,
    );

    // Only the first host is allowed: the redirect to the other loopback host is refused at its hop.
    stolen = [];
    const onlyFirst = await callWith(policy(['loopback'], `127.0.0.1:${new URL(base).port}`), {
      url: `${base}/redirect?to=${toAttacker}`,
    });
    expect(onlyFirst).toMatchObject({ rule: 'loopback' });
    expect(stolen).toEqual([]);

    const loop = await rest({ url: `${base}/loop` }).catch((error: unknown) => error);
    expect((loop as Error).message).toMatch(/\/loop: more than 10 redirects$/);
  });
});
