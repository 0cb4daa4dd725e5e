import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { InvalidGraphError } from '../graph/issues';
import type { Graph } from '../graph/model';
import { createFlow, listWebhookNames } from './flows';
import { syncFlowTriggers } from './triggers';

const { db } = await createTestDatabase();

function hook(name: string, nodeId = 'hook'): Graph {
  return {
    nodes: [{ id: nodeId, type: 'webhook', params: { name, enabled: true }, position: { x: 0, y: 0 } }],
    edges: [],
  } as Graph;
}

describe('the webhooks table', () => {
  it('two flows saving one webhook name at the same moment: the second is refused, naming the first', async () => {
    const first = await createFlow(db, { name: 'first', userId: null });
    const second = await createFlow(db, { name: 'second', userId: null });
    // Both have validated (neither name was taken); now their transactions interleave.
    let releaseFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (releaseFirst = resolve));
    let firstWrote!: () => void;
    const wrote = new Promise<void>((resolve) => (firstWrote = resolve));
    const firstSave = db.transaction().execute(async (trx) => {
      await syncFlowTriggers(trx, first.id, hook('orders'));
      firstWrote();
      await firstHolds;
    });
    await wrote;
    const secondSave = db
      .transaction()
      .execute((trx) => syncFlowTriggers(trx, second.id, hook('orders', 'on_order')));
    setTimeout(releaseFirst, 200);
    await firstSave;
    const refused = await secondSave.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(InvalidGraphError);
    expect((refused as InvalidGraphError).issues).toEqual([
      {
        node: 'on_order',
        path: 'on_order.params.name',
        message:
          "on_order.params.name: the webhook name 'orders' is used by flow 'first' too; webhook names are unique across flows",
        severity: 'error',
      },
    ]);
    expect(await listWebhookNames(db)).toEqual([{ name: 'orders', flow: 'first' }]);
  });

  it('follows the flow: a re-save keeps its name, a renamed node moves it, a code flow drops it', async () => {
    const flow = await createFlow(db, { name: 'hooks', userId: null });
    await db.transaction().execute((trx) => syncFlowTriggers(trx, flow.id, hook('hooked')));
    await db.transaction().execute((trx) => syncFlowTriggers(trx, flow.id, hook('hooked', 'renamed')));
    expect(await db.selectFrom('webhooks').selectAll().where('flow_id', '=', flow.id).execute()).toEqual([
      { name: 'hooked', flow_id: flow.id, node_id: 'renamed' },
    ]);
    await db.transaction().execute((trx) => syncFlowTriggers(trx, flow.id, null));
    expect(await db.selectFrom('webhooks').selectAll().where('flow_id', '=', flow.id).execute()).toEqual([]);
  });
});
