import crypto from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { routerCallers, trpcFailureOf as codeOf } from './testing';

// The router reads its key the way the web server does: from the environment.
process.env.FLOWLINE_SECRET_KEY = crypto.randomBytes(32).toString('hex');

const { db, url } = await createTestDatabase();
const { signedIn, anonymous } = await routerCallers(db, 'connections@example.com');
// "Test connection" below reaches the server Flowline's own test database lives on: an explicit exception.
process.env.FLOWLINE_CONNECT_ALLOW = new URL(url).host;

describe('connections router', () => {
  it('needs a signed-in user', async () => {
    expect(await codeOf(anonymous.connections.list())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await codeOf(anonymous.connections.types())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await codeOf(anonymous.connections.test({ name: 'x' }))).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await codeOf(anonymous.connections.test({ name: 'x', config: { port: 1 } }))).toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(
      await codeOf(anonymous.connections.testNew({ connector_type: 'SQLPG', config: {} })),
    ).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('creates, tests, updates and deletes a connection without ever answering its secret', async () => {
    const parsed = new URL(url);
    // The real password where the server checks one (the embedded PostgreSQL), else any (trust auth).
    const secret = decodeURIComponent(parsed.password) || 'router-secret-password';
    const answers: unknown[] = [];
    answers.push(
      await signedIn.connections.create({
        name: 'warehouse',
        connector_type: 'SQLPG',
        config: {
          host: parsed.hostname,
          port: Number(parsed.port),
          database: parsed.pathname.slice(1),
          user: decodeURIComponent(parsed.username),
          password: secret,
        },
      }),
    );
    answers.push(await signedIn.connections.get({ name: 'warehouse' }));
    answers.push(await signedIn.connections.list());
    answers.push(await signedIn.connections.test({ name: 'warehouse' }));
    expect(answers[3]).toEqual({ ok: true });
    // The form's unsaved edit is what is tested, with the stored password; nothing is saved.
    const unsaved = {
      host: parsed.hostname,
      database: parsed.pathname.slice(1),
      user: decodeURIComponent(parsed.username),
    };
    expect(
      await signedIn.connections.test({
        name: 'warehouse',
        config: { ...unsaved, port: Number(parsed.port) },
      }),
    ).toEqual({ ok: true });
    expect(
      await signedIn.connections.test({ name: 'warehouse', config: { ...unsaved, port: 5999 } }),
    ).toMatchObject({ ok: false, message: expect.stringContaining(':5999/') });
    expect((await signedIn.connections.get({ name: 'warehouse' })).config.port).toBe(Number(parsed.port));
    expect(
      await signedIn.connections.testNew({ connector_type: 'SQLPG', config: { ...unsaved, port: 5999 } }),
    ).toMatchObject({ ok: false, message: expect.stringContaining(':5999/') });
    answers.push(
      await signedIn.connections.update({
        name: 'warehouse',
        new_name: 'warehouse 2',
        config: { host: '127.0.0.1' },
      }),
    );
    expect(answers[4]).toMatchObject({
      name: 'warehouse 2',
      config: { host: '127.0.0.1', password: { set: true } },
    });
    expect(JSON.stringify(answers)).not.toContain(secret);
    const { rows } = await sql<{ config: unknown }>`select config from connections`.execute(db);
    expect(JSON.stringify(rows)).not.toContain(secret);

    await signedIn.connections.delete({ name: 'warehouse 2' });
    expect(await codeOf(signedIn.connections.get({ name: 'warehouse 2' }))).toEqual({
      code: 'NOT_FOUND',
      message: "connection 'warehouse 2' does not exist",
    });
  });

  it('answers BAD_REQUEST naming the field, and CONFLICT for a taken name', async () => {
    expect(
      await codeOf(
        signedIn.connections.create({ name: 'api', connector_type: 'REST', config: { port: 'x' } }),
      ),
    ).toEqual({ code: 'BAD_REQUEST', message: expect.stringMatching(/^port: /) });
    expect(
      await codeOf(
        signedIn.connections.create({ name: 'api', connector_type: 'REST', config: { colour: 1 } }),
      ),
    ).toEqual({ code: 'BAD_REQUEST', message: 'colour: not an input of connector REST' });
    for (const field of ['constructor', 'toString']) {
      expect(
        await codeOf(
          signedIn.connections.create({ name: 'api', connector_type: 'REST', config: { [field]: 1 } }),
        ),
      ).toEqual({ code: 'BAD_REQUEST', message: `${field}: not an input of connector REST` });
    }
    await signedIn.connections.create({ name: 'api', connector_type: 'REST', config: {} });
    expect(await codeOf(signedIn.connections.update({ name: 'api', config: { toString: 1 } }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'toString: not an input of connector REST',
    });
    expect(
      await codeOf(signedIn.connections.create({ name: 'api', connector_type: 'REST', config: {} })),
    ).toEqual({
      code: 'CONFLICT',
      message: "a connection named 'api' already exists",
    });
  });

  it('lists the connector forms', async () => {
    const types = await signedIn.connections.types();
    expect(types.map((type) => type.type)).toEqual(['REST', 'SQLPG']);
  });
});
