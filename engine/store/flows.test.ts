import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { createUser } from '../auth/accounts';
import { InvalidFlowNameError } from '../flows/name';
import {
  createFlow,
  deleteFlow,
  FlowNameTakenError,
  FlowNotFoundError,
  getFlowByName,
  listFlows,
  renameFlow,
  STARTER_FLOW_CODE,
} from './flows';

const { db } = await createTestDatabase();
const user = await createUser(
  db,
  { email: 'flows@example.com', password: 'password 123' },
  { isAdmin: true },
);

describe('flows store', () => {
  it('creates a code flow with the starter module and its version 1', async () => {
    const flow = await createFlow(db, { name: 'billing sync', userId: user.id });
    expect(flow).toMatchObject({ name: 'billing sync', kind: 'code', version: 1 });
    const stored = await getFlowByName(db, 'billing sync');
    expect(stored.code).toBe(STARTER_FLOW_CODE);
    expect(stored.created_by).toBe(user.id);
    const versions = await db
      .selectFrom('flow_versions')
      .selectAll()
      .where('flow_id', '=', flow.id)
      .execute();
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({
      version: 1,
      kind: 'code',
      code: STARTER_FLOW_CODE,
      created_by: user.id,
    });
  });

  it('refuses an invalid name before touching the database', async () => {
    await expect(createFlow(db, { name: 'bad/name', userId: user.id })).rejects.toThrow(InvalidFlowNameError);
    await expect(getFlowByName(db, 'bad/name')).rejects.toThrow(FlowNotFoundError);
  });

  it('refuses a duplicate name with FlowNameTakenError and leaves no orphan version', async () => {
    await createFlow(db, { name: 'dup', userId: user.id });
    const before = await db.selectFrom('flow_versions').select('id').execute();
    await expect(createFlow(db, { name: 'dup', userId: user.id })).rejects.toThrow(FlowNameTakenError);
    await expect(createFlow(db, { name: 'dup', userId: user.id })).rejects.toThrow(
      "a flow named 'dup' already exists",
    );
    expect(await db.selectFrom('flow_versions').select('id').execute()).toHaveLength(before.length);
  });

  it('renames, refusing taken and invalid names and unknown ids', async () => {
    const a = await createFlow(db, { name: 'rename me', userId: user.id });
    await createFlow(db, { name: 'taken', userId: user.id });
    const renamed = await renameFlow(db, a.id, 'renamed', user.id);
    expect(renamed.name).toBe('renamed');
    expect(renamed.updated_at.getTime()).toBeGreaterThanOrEqual(a.updated_at.getTime());
    await expect(renameFlow(db, a.id, 'taken', user.id)).rejects.toThrow(FlowNameTakenError);
    await expect(renameFlow(db, a.id, ' padded', user.id)).rejects.toThrow(/start or end with a space/);
    await expect(renameFlow(db, '00000000-0000-0000-0000-000000000000', 'fine', user.id)).rejects.toThrow(
      FlowNotFoundError,
    );
  });

  it('lists flows by name and deletes one with its versions', async () => {
    const doomed = await createFlow(db, { name: 'zz doomed', userId: user.id });
    await createFlow(db, { name: 'Alpha', userId: user.id });
    const names = (await listFlows(db)).map((f) => f.name);
    expect(names).toEqual([...names].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(names.indexOf('Alpha')).toBeLessThan(names.indexOf('billing sync'));
    expect(names).toContain('zz doomed');
    await deleteFlow(db, doomed.id);
    expect((await listFlows(db)).map((f) => f.name)).not.toContain('zz doomed');
    expect(
      await db.selectFrom('flow_versions').select('id').where('flow_id', '=', doomed.id).execute(),
    ).toHaveLength(0);
    await expect(deleteFlow(db, doomed.id)).rejects.toThrow(FlowNotFoundError);
  });
});
