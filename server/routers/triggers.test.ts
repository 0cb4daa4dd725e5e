import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { routerCallers, trpcFailureOf } from './testing';

const { db, url } = await createTestDatabase();
process.env.DATABASE_URL = url;
const { signedIn, anonymous } = await routerCallers(db, 'triggers@example.com');

const graph = {
  nodes: [
    {
      id: 'hook',
      type: 'webhook',
      params: { name: 'orders-in', key: 'a-key-of-sixteen-chars', methods: ['POST'] },
    },
    { id: 'nightly', type: 'schedule', params: { cron: '0 2 * * *', timezone: 'Europe/Vienna' } },
    { id: 'done', type: 'end', params: { status: 'success' } },
  ],
  edges: [
    { source: 'hook', target: 'done' },
    { source: 'nightly', target: 'done' },
  ],
};

describe('the triggers router', () => {
  it('asks for a signed-in user', async () => {
    expect(await trpcFailureOf(anonymous.triggers.webhooks())).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(await trpcFailureOf(anonymous.triggers.schedules())).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('lists webhooks (never their key) and schedules, and switches them on as a new version', async () => {
    await signedIn.flows.create({ name: 'intake', kind: 'graph' });
    await signedIn.flows.saveGraph({ name: 'intake', graph, baseVersion: 1 });

    const [hook] = await signedIn.triggers.webhooks();
    expect(hook).toEqual({
      name: 'orders-in',
      flow: 'intake',
      nodeId: 'hook',
      path: '/api/latest/webhook/orders-in/call',
      enabled: false,
      methods: ['POST'],
      keyed: true,
      async: false,
      productive: true,
      lastCalls: [],
    });
    expect(JSON.stringify(await signedIn.triggers.webhooks())).not.toContain('a-key-of-sixteen-chars');

    const [schedule] = await signedIn.triggers.schedules();
    expect(schedule).toMatchObject({ flow: 'intake', nodeId: 'nightly', enabled: false, nextRuns: [] });

    const switched = await signedIn.triggers.setEnabled({ flow: 'intake', node: 'nightly', enabled: true });
    expect(switched.version).toBe(3);
    const [on] = await signedIn.triggers.schedules({ flow: 'intake' });
    expect(on?.enabled).toBe(true);
    expect(on?.nextRuns).toHaveLength(5);
    // 02:00 in Vienna is 01:00 or 00:00 UTC.
    for (const run of on?.nextRuns ?? []) expect([0, 1]).toContain(run.getUTCHours());
    await signedIn.triggers.setEnabled({ flow: 'intake', node: 'hook', enabled: true });
    expect((await signedIn.triggers.webhooks())[0]?.enabled).toBe(true);
  });

  it('a node that is not a trigger, or a flow that does not exist, is NOT_FOUND with its name', async () => {
    expect(
      await trpcFailureOf(signedIn.triggers.setEnabled({ flow: 'intake', node: 'done', enabled: true })),
    ).toEqual({
      code: 'NOT_FOUND',
      message: "flow 'intake' has no webhook or schedule node 'done'",
    });
    expect(
      await trpcFailureOf(
        signedIn.triggers.setEnabled({ flow: 'nothing-here', node: 'hook', enabled: true }),
      ),
    ).toMatchObject({ code: 'NOT_FOUND' });
    expect(
      await trpcFailureOf(signedIn.triggers.setEnabled({ flow: 'intake', node: 'Bad Id!', enabled: true })),
    ).toMatchObject({ code: 'BAD_REQUEST' });
  });
});
