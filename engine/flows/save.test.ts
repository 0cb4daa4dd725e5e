import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/database';
import { startBoss } from '../queue/boss';
import { startExecution } from '../runtime/start';
import { getFlowVersion } from '../store/flow-versions';
import { createFlow, getFlowByName } from '../store/flows';
import { FlowSyntaxError, compileFlowCode, unpackCompiled } from './compile';
import { saveCodeFlow } from './save';

const { db, url } = await createTestDatabase();
const boss = await startBoss(url);
afterAll(() => boss.stop({ graceful: false }));

const good = `export default async function handler(this: Execution) {
  const n: number = 2;
  return this.success('ok ' + n);
}
`;

describe('saving a code flow', () => {
  it('compiles TypeScript to JavaScript with a source map back to the user lines', async () => {
    const compiled = await compileFlowCode(good, 'good.ts');
    expect(compiled.code).not.toContain(': number');
    expect(JSON.parse(compiled.sourceMap)).toMatchObject({ version: 3, sources: ['good.ts'] });
  });

  it('stores a new version with its compiled code', async () => {
    const flow = await createFlow(db, { name: 'saved', kind: 'code', code: good, userId: null });
    const saved = await saveCodeFlow(db, { flowId: flow.id, flowName: 'saved', code: good, userId: null });
    expect(saved.version).toBe(flow.version + 1);
    const version = await getFlowVersion(db, flow.id, saved.version);
    expect(version?.code).toBe(good);
    const unpacked = unpackCompiled(version?.compiled ?? '');
    expect(unpacked.code).toContain('this.success("ok " + n)');
    expect(unpacked.sourceMap).toContain('"mappings"');
  });

  it('refuses a syntax error with its line and column, and keeps the last good version runnable', async () => {
    const flow = await createFlow(db, { name: 'broken', kind: 'code', code: good, userId: null });
    const saved = await saveCodeFlow(db, { flowId: flow.id, flowName: 'broken', code: good, userId: null });
    const bad = `export default async function handler(this: Execution) {\n  const x = ;\n}\n`;
    const error = await saveCodeFlow(db, {
      flowId: flow.id,
      flowName: 'broken',
      code: bad,
      userId: null,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowSyntaxError);
    expect(error).toMatchObject({ line: 2, column: 13, kind: 'invalid' });
    expect((error as Error).message).toMatch(/^syntax error at line 2, column 13: /);
    const current = await getFlowByName(db, 'broken');
    expect(current.version).toBe(saved.version);
    expect(current.code).toBe(good);
    const execution = await startExecution(
      { db, boss },
      { flow: { name: 'broken' }, startedBy: { kind: 'system' } },
    );
    expect(execution.flow_version).toBe(saved.version);
  });
});
