/**
 * An input over FLOWLINE_MAX_INPUT_BYTES, started through REST: a 413 naming the size and the limit,
 * and no execution. The limit is lowered for this file (its own process environment) so that the input
 * fits in a request body (at most 1 MiB).
 */
import { describe, expect, it } from 'vitest';
import { createApiToken } from '../../engine/auth/api-tokens';
import { createUser } from '../../engine/auth/accounts';
import { TEST_SECRET_KEY } from '../../engine/runtime/testing';
import { createTestDatabase } from '../../test/database';

const { db, url } = await createTestDatabase();
process.env.DATABASE_URL = url;
process.env.FLOWLINE_SECRET_KEY = TEST_SECRET_KEY;
process.env.FLOWLINE_MAX_INPUT_BYTES = '2048';

const executionRoute = await import('../../app/api/latest/execution/route');
const flowRoute = await import('../../app/api/latest/flow/route');

const user = await createUser(
  db,
  { email: 'limits@example.com', name: 'Limits', password: 'long enough password' },
  { isAdmin: true },
);
const { token } = await createApiToken(db, user.id, 'tests');

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

async function post(handler: Handler, path: string, body: unknown) {
  const response = await handler(
    new Request(`http://localhost/api/latest${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }),
    { params: Promise.resolve({}) },
  );
  return {
    status: response.status,
    json: (await response.json()) as { error?: { code: string; message: string } },
  };
}

describe('POST /execution with an input over the limit', () => {
  it('answers 413 naming the size and the limit, and starts nothing', async () => {
    const created = await post(flowRoute.POST, '/flow', {
      name: 'takes-input',
      code: 'export default async function handler(this: any) { return this.input; }',
    });
    expect(created.status).toBe(201);
    for (const wait of [0, 5]) {
      const started = await post(executionRoute.POST, '/execution', {
        flow: 'takes-input',
        input_value: 'x'.repeat(4096),
        wait,
      });
      expect(started).toEqual({
        status: 413,
        json: {
          error: {
            code: 'too_large',
            message: 'the input is 4 KiB, the most is 2 KiB (FLOWLINE_MAX_INPUT_BYTES)',
          },
        },
      });
    }
    expect(await db.selectFrom('executions').selectAll().execute()).toEqual([]);
  });
});
