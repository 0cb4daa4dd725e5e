import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { routerCallers, trpcFailureOf as codeOf } from './testing';

const { db } = await createTestDatabase();
const { signedIn, anonymous } = await routerCallers(db, 'router@example.com');

describe('appRouter', () => {
  it('answers UNAUTHORIZED to every procedure without a user', async () => {
    expect(await codeOf(anonymous.flows.list())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await codeOf(anonymous.flows.create({ name: 'x' }))).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await codeOf(anonymous.apiTokens.list())).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('creates, gets, renames, lists and deletes flows', async () => {
    const created = await signedIn.flows.create({ name: 'router flow' });
    expect((await signedIn.flows.get({ name: 'router flow' })).id).toBe(created.id);
    await signedIn.flows.rename({ id: created.id, name: 'router flow 2' });
    expect((await signedIn.flows.list()).map((f) => f.name)).toContain('router flow 2');
    await signedIn.flows.delete({ id: created.id });
    expect(await codeOf(signedIn.flows.get({ name: 'router flow 2' }))).toEqual({
      code: 'NOT_FOUND',
      message: "flow 'router flow 2' does not exist",
    });
  });

  it('maps a broken name rule to BAD_REQUEST and a duplicate to CONFLICT, never INTERNAL', async () => {
    expect(await codeOf(signedIn.flows.create({ name: 'no/slash' }))).toEqual({
      code: 'BAD_REQUEST',
      message: 'A flow name may only contain letters, digits, spaces and the characters - _ .',
    });
    await signedIn.flows.create({ name: 'twice' });
    expect(await codeOf(signedIn.flows.create({ name: 'twice' }))).toEqual({
      code: 'CONFLICT',
      message: "a flow named 'twice' already exists",
    });
    expect(await codeOf(signedIn.flows.rename({ id: 'not-a-uuid', name: 'x' }))).toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('creates an API token once, lists it without the secret, and revokes it', async () => {
    const { token, summary } = await signedIn.apiTokens.create({ name: 'router token' });
    expect(token).toMatch(/^flt_/);
    const listed = await signedIn.apiTokens.list();
    expect(listed.map((t) => t.id)).toContain(summary.id);
    expect(JSON.stringify(listed)).not.toContain(token);
    await signedIn.apiTokens.revoke({ id: summary.id });
    expect((await signedIn.apiTokens.list()).map((t) => t.id)).not.toContain(summary.id);
    expect(await codeOf(signedIn.apiTokens.revoke({ id: summary.id }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('answers BAD_REQUEST naming the field, never INTERNAL, for what PostgreSQL cannot store', async () => {
    let deep: unknown = 0;
    for (let i = 0; i < 5000; i++) deep = [deep];
    const failures = [
      codeOf(signedIn.flows.get({ name: 'a\u0000b' })),
      codeOf(signedIn.flows.run({ name: 'x', input: { text: 'nul \u0000' }, productive: true })),
      codeOf(signedIn.flows.run({ name: 'x', input: ['\ud800'], productive: true })),
      codeOf(signedIn.flows.run({ name: 'x', input: deep, productive: true })),
      codeOf(signedIn.flows.saveCode({ name: 'x', code: '\u0000' })),
      codeOf(signedIn.executions.list({ cursor: { createdAt: '1', id: crypto.randomUUID() } })),
      codeOf(signedIn.connections.get({ name: '\u0000' })),
      codeOf(
        signedIn.connections.create({ name: 'c', connector_type: 'REST', config: { constructor: 'x' } }),
      ),
      codeOf(signedIn.apiTokens.create({ name: 'token \u0000' })),
    ];
    const answers = await Promise.all(failures);
    expect(answers.map((answer) => answer.code)).toEqual(Array(failures.length).fill('BAD_REQUEST'));
    // A caller gets zod's issues as the message (the HTTP error formatter makes one line of them), or
    // the connector's own words naming the field.
    const fields = [
      '"name"',
      '"input"',
      '"input"',
      '"input"',
      '"code"',
      '"createdAt"',
      '"name"',
      'constructor',
      '"name"',
    ];
    answers.forEach((answer, index) => expect(answer.message).toContain(fields[index]));
  });

  it('refuses a request another site made with the session cookie', async () => {
    const { createCallerFactory } = await import('../trpc');
    const { appRouter } = await import('./_app');
    const forged = createCallerFactory(appRouter)({
      db,
      user: null,
      crossSite: 'Refused: this request carries the session cookie but comes from another site.',
    });
    expect(await codeOf(forged.flows.create({ name: 'forged' }))).toEqual({
      code: 'FORBIDDEN',
      message: 'Refused: this request carries the session cookie but comes from another site.',
    });
  });
});
