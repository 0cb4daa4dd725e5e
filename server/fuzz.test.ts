/**
 * Hostile requests to every REST endpoint (from the endpoint registry) and every tRPC procedure (from
 * the router's own list): whatever a client sends, the answer is JSON and never a 5xx. A seeded,
 * bounded run in `npm test`; FLOWLINE_FUZZ_RUNS and FLOWLINE_FUZZ_SEED explore further.
 */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import fc from 'fast-check';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApiToken } from '../engine/auth/api-tokens';
import { createUser } from '../engine/auth/accounts';
import { createConnection } from '../engine/connectors/connections';
import { createCodeFlow } from '../engine/flows/records';
import { TEST_SECRET_KEY } from '../engine/runtime/testing';
import { Worker } from '../engine/runtime/worker';
import { secretKeyFromHex } from '../engine/secrets/secrets';
import { createTestDatabase } from '../test/database';
import { closeLiveHub } from './live';

const { db, url } = await createTestDatabase();
process.env.DATABASE_URL = url;
process.env.FLOWLINE_SECRET_KEY = TEST_SECRET_KEY;

// Imported after DATABASE_URL is set: server/db.ts and server/engine.ts read it on first use.
const { restEndpoints } = await import('./rest/endpoints/index');
const { openApiEndpoint } = await import('./rest/endpoints/openapi');
const { restRoute } = await import('./rest/http');
const { appRouter } = await import('./routers/_app');

const RUNS = Number(process.env.FLOWLINE_FUZZ_RUNS ?? 100);
const SEED = Number(process.env.FLOWLINE_FUZZ_SEED ?? 20261201);

const user = await createUser(
  db,
  { email: 'fuzz@example.com', password: 'fuzz password' },
  { isAdmin: true },
);
const { token } = await createApiToken(db, user.id, 'fuzz');

// Names that exist (created below).
const FLOW = 'fuzz-flow';
const CONNECTION = 'fuzz-connection';

let worker: Worker;
beforeAll(async () => {
  await createCodeFlow(db, {
    name: FLOW,
    code: `export default async function handler(this: any) { return this.success('ok'); }`,
    userId: user.id,
  });
  await createConnection(db, secretKeyFromHex(TEST_SECRET_KEY), {
    name: CONNECTION,
    connector_type: 'REST',
    config: { url: 'http://127.0.0.1:9/' }, // the discard port: a call fails at once
    userId: user.id,
  });
  // Started executions end quickly, so a request that waits for one does not wait long.
  worker = await Worker.start({
    databaseUrl: url,
    concurrency: 2,
    secretKey: secretKeyFromHex(TEST_SECRET_KEY),
  });
});
afterAll(async () => {
  await worker?.stop();
  await closeLiveHub();
});

const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

const hostileString = fc.oneof(
  // Mostly the known troublemakers (what PostgreSQL refuses first); now and then anything at all.
  { weight: 4, arbitrary: fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy') },
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '%00',
      '%ff',
      '%C0%AE',
      '../..',
      '/',
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty',
      'null',
      'NaN',
      '1',
      '-1',
      '1e999',
      'true',
      '+275760-09-13T00:00:00.000Z',
      '2024-02-30T00:00:00Z',
      "' or 1=1 --",
      '${process.exit()}',
      '\r\nx-injected: 1',
      '😀',
      'x'.repeat(5000),
      'SQLPG',
      'RUNNING,ENDED_SUCCESS',
      'FLOW',
      '00000000-0000-0000-0000-000000000000',
      cursorOf(`1|${crypto.randomUUID()}`),
      cursorOf(`+275760-09-13T00:00:00.000Z|${crypto.randomUUID()}`),
      cursorOf('2024-01-01T00:00:00.000000Z|not-a-uuid'),
    ),
  },
  // What exists, so that requests get past the lookups to the code behind them.
  { weight: 3, arbitrary: fc.constantFrom(FLOW, CONNECTION, 'REST') },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 0.5, 1, 300, 301, 1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.double(),
  fc.integer(),
);

/** JSON `depth` levels deep, in arrays or objects. */
const deepJson = fc.tuple(fc.integer({ min: 60, max: 1500 }), fc.boolean()).map(([depth, arrays]) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
});

const leaf = fc.oneof(hostileString, hostileNumber, fc.boolean(), fc.constant(null));
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: leaf },
  { weight: 2, arbitrary: fc.dictionary(hostileString, leaf, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
  { weight: 1, arbitrary: deepJson },
);

/** The keys of an object schema (through refinements and defaults), so values land in real fields. */
function fieldsOf(schema: unknown): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** An object with some of the schema's fields (and now and then one it does not have), hostile values. */
function hostileObject(fields: string[]): fc.Arbitrary<Record<string, unknown>> {
  const value = fc.oneof({ weight: 3, arbitrary: hostileString }, { weight: 2, arbitrary: hostileJson });
  const record = fc.record(Object.fromEntries(fields.map((field) => [field, value])), {
    requiredKeys: [],
  });
  return fc.oneof(
    { weight: 4, arbitrary: record },
    {
      weight: 1,
      arbitrary: fc.tuple(record, hostileString, hostileJson).map(([r, k, v]) => ({ ...r, [k]: v })),
    },
  );
}

const rawBody = fc.constantFrom('{', '{"a":', 'null', '[]', '"\\u0000"', '"\\ud800"', 'not json', '\u0000');

/** A path, query or header value as text, sometimes repeated (`?limit=5&limit=6`). */
const textValue = fc.oneof(
  hostileString,
  hostileNumber.map(String),
  fc.array(hostileString, { minLength: 2, maxLength: 3 }),
);

async function expectJsonBelow500(response: Response, what: string): Promise<void> {
  const text = await response.text();
  expect(response.status, `${what} answered ${response.status}: ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(() => JSON.parse(text), `${what} answered non-JSON: ${text.slice(0, 300)}`).not.toThrow();
}

/**
 * Every procedure by its dotted path (`flows.get`): tRPC keeps this flat list at run time, while its
 * type describes the nested router, hence the cast.
 */
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: 'query' | 'mutation' | 'subscription'; inputs: unknown[] } }
>;

describe('fuzz: hostile requests answer JSON, never 5xx', () => {
  const endpoints = [...restEndpoints, openApiEndpoint];

  it('covers every REST endpoint and tRPC procedure', () => {
    expect(endpoints.length).toBeGreaterThanOrEqual(13);
    expect(Object.keys(procedures).length).toBeGreaterThanOrEqual(15);
    expect(Object.keys(procedures)).toContain('flows.get');
  });

  for (const endpoint of endpoints) {
    it(`REST ${endpoint.method} ${endpoint.path}`, async () => {
      const handler = restRoute(endpoint);
      const pathFields = fieldsOf(endpoint.params);
      const request = fc.record({
        params: fc.record(Object.fromEntries(pathFields.map((field) => [field, hostileString]))),
        query: fc.dictionary(
          fc.oneof(fc.constantFrom(...fieldsOf(endpoint.query), 'x'), hostileString),
          textValue,
          {
            maxKeys: 4,
          },
        ),
        body: fc.oneof(
          {
            weight: 4,
            arbitrary: hostileObject(fieldsOf(endpoint.body)).map((value) => JSON.stringify(value)),
          },
          { weight: 1, arbitrary: hostileJson.map((value) => JSON.stringify(value) ?? '') },
          { weight: 1, arbitrary: rawBody },
        ),
        headers: fc.dictionary(fc.constantFrom(...fieldsOf(endpoint.headers), 'x-other'), hostileString, {
          maxKeys: 2,
        }),
      });
      await fc.assert(
        fc.asyncProperty(request, async ({ params, query, body, headers }) => {
          const search = new URLSearchParams();
          for (const [key, value] of Object.entries(query)) {
            for (const item of [value].flat()) search.append(key, String(item));
          }
          const path = endpoint.path.replace(/\{(\w+)\}/g, (_, name: string) => urlSafe(params[name] ?? ''));
          const httpRequest = new Request(`http://localhost/api/latest${path}?${search}`, {
            method: endpoint.method,
            headers: {
              ...headerSafe(headers),
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
            },
            body: endpoint.method === 'GET' ? undefined : body,
          });
          const response = await handler(httpRequest, { params: Promise.resolve(params) });
          await expectJsonBelow500(response, `${endpoint.method} ${path} ${body.slice(0, 200)}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    });
  }

  for (const [path, { _def }] of Object.entries(procedures)) {
    const { type, inputs } = _def;
    it(`tRPC ${type} ${path}`, async () => {
      const input = fc.oneof(
        {
          weight: 4,
          arbitrary: hostileObject(fieldsOf(inputs[0])).map(superjsonText),
        },
        { weight: 1, arbitrary: hostileJson.map((value) => JSON.stringify({ json: value }) ?? '') },
        { weight: 1, arbitrary: rawBody },
      );
      await fc.assert(
        fc.asyncProperty(input, async (serialized) => {
          const endpoint = `http://localhost/api/trpc/${path}`;
          const abort = new AbortController();
          const httpRequest =
            type !== 'mutation'
              ? new Request(`${endpoint}?input=${encodeURIComponent(serialized)}`, { signal: abort.signal })
              : new Request(endpoint, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json' },
                  body: serialized,
                });
          const response = await fetchRequestHandler({
            endpoint: '/api/trpc',
            req: httpRequest,
            router: appRouter,
            createContext: () => ({ db, user, crossSite: null }),
          });
          if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
            // A live subscription accepted its input and opened its stream: that is the answer.
            expect(response.status, `${type} ${path} ${serialized.slice(0, 200)}`).toBe(200);
            abort.abort();
            await response.body?.cancel();
            return;
          }
          await expectJsonBelow500(response, `${type} ${path} ${serialized.slice(0, 200)}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    });
  }
});

/**
 * The input as the app's client sends it. superjson itself refuses some of what a hostile client can
 * send (a `__proto__` key, a stack-deep value): that goes as plain `{ "json": ... }`, which the server
 * reads the same way.
 */
function superjsonText(value: unknown): string {
  try {
    return JSON.stringify(superjson.serialize(value));
  } catch {
    return JSON.stringify({ json: value });
  }
}

/**
 * The path as a URL shows it. The handler gets `params` as Next.js passes them, decoded; a lone
 * surrogate has no URL form (`encodeURIComponent` throws), so the URL carries U+FFFD instead.
 */
function urlSafe(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
}

/** Header values must be ByteStrings without CR/LF to be sent at all; keep what a client could send. */
function headerSafe(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, value.replace(/[^\x20-\x7e\x80-\xff]/g, '?')]),
  );
}
