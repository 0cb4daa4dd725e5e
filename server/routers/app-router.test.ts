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
});
