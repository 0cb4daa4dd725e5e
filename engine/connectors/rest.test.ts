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
  callConnector,
  ConnectionNotFoundError,
  ConnectorCancelledError,
  ConnectorTimeoutError,
  ExtraInputError,
  InvalidInputError,
  MissingInputError,
  RestStatusError,
} from './index';
import type { RestOutput } from './rest';

const { db } = await createTestDatabase();
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

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen = [];
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
