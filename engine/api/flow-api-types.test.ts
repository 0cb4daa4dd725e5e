import fs from 'node:fs';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { generatedFile, generatedModule, INTERNAL } from '../../scripts/flow-api-dts';
import type {
  ExecutionStatus as StoredExecutionStatus,
  ExecutionType as StoredExecutionType,
  FlowKind,
} from '../store/database';
import { flowApiDeclarations } from './flow-api-types';
import type { ExecutionStatus, ExecutionType, FlowInfo } from './runner-api';

/** Type-checks one flow module against the declarations, as the browser editor does; returns the errors. */
function check(flow: string): string[] {
  const files: Record<string, string> = { '/flow-api.d.ts': flowApiDeclarations, '/flow.ts': flow };
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    lib: ['lib.es2022.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => name in files || ts.sys.fileExists(name);
  host.readFile = (name) => files[name] ?? readFile(name);
  host.getSourceFile = (name, version) =>
    name in files ? ts.createSourceFile(name, files[name] as string, version) : getSourceFile(name, version);
  const program = ts.createProgram(Object.keys(files), options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${d.file?.fileName ?? ''}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

describe('the flow API declarations', () => {
  it('are generated from runner-api.ts, and the committed file is up to date', () => {
    expect(
      fs.readFileSync(generatedFile, 'utf8'),
      'engine/api/flow-api.generated.ts is out of date: run `npm run flow-api:types`',
    ).toBe(generatedModule());
  });

  it('show user code the flow API only: no wire types, no internal members, no imports', () => {
    // The generator's own list of internal types, and the members and values it must leave out.
    for (const internal of [
      ...INTERNAL,
      'update(',
      'toJSON',
      'constructor',
      '#private',
      'createFlowApi',
      'JOURNALED_CALLS',
    ]) {
      expect(flowApiDeclarations).not.toContain(internal);
    }
    // Global declarations of a script, and no values: a flow's realm has no such globals.
    expect(flowApiDeclarations).not.toMatch(/^\s*(export|import|declare)\b/m);
    for (const name of ['Execution', 'System', 'ExecutionHandle', 'FlowApiError', 'NondeterminismError']) {
      expect(flowApiDeclarations).toMatch(new RegExp(`^interface ${name}\\b`, 'm'));
    }
  });

  it('name the statuses, types and flow kinds the store has', () => {
    expectTypeOf<ExecutionStatus>().toEqualTypeOf<StoredExecutionStatus>();
    expectTypeOf<ExecutionType>().toEqualTypeOf<StoredExecutionType>();
    expectTypeOf<FlowInfo['kind']>().toEqualTypeOf<FlowKind>();
  });

  it('accept a flow that uses the whole API', () => {
    const errors = check(`
      export default async function handler(this: Execution<{ who: string }>, system: System) {
        const key: string = this.stepKey();
        const me: [string, string, string, string | null, boolean] = [
          this.id, this.name, this.rootId, this.parentId, this.isProductive,
        ];
        const child = await this.flow<{ text: string }>('greet', { who: this.input.who });
        const text: string = child.output.text;
        const call = await this.connect({ connector_type: 'REST', url: 'http://example.test' });
        const stored = await this.connect<{ rows: number }>('crm', { q: 1 }, { name: 'lookup', wait: false });
        const later = await this.flow('other', null, { wait: false, name: 'later', nodeId: 'n1' });
        const created = await this.flow('other', null, { run: false });
        await created.runAsync();
        await (await this.flow('other', null, { run: false })).run();
        await stored.cancel();
        const done = await this.waitFor([later, created], { returnWhen: 'ALL_ENDED' });
        await this.waitFor(later, { returnWhen: 'FIRST_ENDED' });
        await this.waitFor([later], { returnWhen: 'ALL_SUCCEEDED' });
        await this.waitFor(later);
        const script = await this.script<number>('export default async function handler() { return 1; }', {}, {});
        const one: number = script.output;
        const status: ExecutionStatus = child.status;
        const type: ExecutionType = child.type;
        const fields: [string, string, string | null, boolean] = [child.id, child.name, child.message, child.ended];
        if (child.error) await this.log(child.error.name, child.error.message);
        await this.log('done', done.length, call.status, key, text, me, one, status, type, fields);
        await this.setOutput('n', done.length);
        await this.save({ message: 'nearly' });
        await this.save({ output: { n: 1 }, message: null, name: 'renamed' });
        await this.sleep(1);
        await this.sleepUntil(new Date());
        await this.sleepUntil('2030-01-01T00:00:00Z');
        await this.sleepUntil(Date.now() + 1000);
        const setting = await system.setting<number>('counter').get();
        await system.setting('counter').save(setting + 1);
        const recent = await system.executions({ status: ['ENDED_ERROR'], limit: 5 });
        const filtered: ExecutionInfo[] = await system.executions({
          flow: 'greet', status: 'RUNNING', type: 'FLOW', parentId: this.id, rootId: this.rootId,
        });
        await system.executions();
        const flow: FlowInfo = await system.flow('greet');
        const kind: 'graph' | 'code' = flow.kind;
        await this.log(filtered.map((e) => [e.id, e.type, e.name, e.status, e.output, e.message, e.error]), kind);
        await this.log(flow.id, flow.name, flow.version);
        const adHoc: AdHocConnection = { connector_type: 'REST' };
        const options: ChildOptions = { wait: true, run: true };
        const filter: ExecutionFilter = { limit: 1 };
        const when: ReturnWhen = 'ALL_ENDED';
        const value: Setting<string> = system.setting<string>('name');
        await this.log(adHoc, options, filter, when, await value.get());
        try {
          await child.wait();
        } catch (e) {
          if ((e as FlowApiError).name === 'DependencyFailedError') await this.log((e as FlowApiError).childId);
          const error = e as FlowApiError;
          await this.log(error.message, error.childStatus, error.stack);
          if (error.name === 'DependencyFailedError') {
            const failed = error as DependencyFailedError;
            const id: string = failed.childId;
            const how: ExecutionStatus = failed.childStatus;
            await this.log(id, how);
          }
          const others: FlowApiError[] = [
            e as ResourceNotFoundError,
            e as TimeoutExceededError,
            e as InvalidArgumentError,
            e as NondeterminismError,
          ];
          await this.log(others.length);
        }
        if (recent.length > 0) return this.error('failures found');
        return this.success('all done');
      }
    `);
    expect(errors).toEqual([]);
  });

  it('underline mistakes: unknown calls, wrong argument types, wrong returnWhen', () => {
    const errors = check(`
      export default async function handler(this: Execution, system: System) {
        await this.flw('typo');
        await this.sleep('ten');
        await this.waitFor([], { returnWhen: 'SOME' });
        await system.setting(1);
      }
    `);
    expect(errors).toHaveLength(4);
    expect(errors.join('\n')).toMatch(/flw/);
  });

  it('underline every mistake on its own line, and only those', () => {
    const flow = `
      export default async function handler(this: Execution, system: System) {
        const child = await this.flow('child');
        await this.flow(1); // wrong
        await this.flow('x', null, { wiat: false }); // wrong
        await this.connect({ url: 'http://example.test' }); // wrong
        await this.script(); // wrong
        await this.save({ outptu: 1 }); // wrong
        await this.setOutput({ key: 'n' }); // wrong
        await this.sleepUntil(true); // wrong
        await this.waitFor('child'); // wrong
        await this.success(1); // wrong
        this.id = 'another'; // wrong
        child.status = 'ENDED_SUCCESS'; // wrong
        child.update({}); // wrong
        await child.join(); // wrong
        await system.executions({ status: 'DONE' }); // wrong
        await system.executions({ type: 'JOB' }); // wrong
        await system.flows('x'); // wrong
        const status: ExecutionStatus = 'DONE'; // wrong
        const kind: FlowInfo['kind'] = 'python'; // wrong
        try {
          await child.wait();
        } catch (e) {
          if (e instanceof DependencyFailedError) await this.log(e.childId); // wrong
        }
        await this.log(status, kind);
      }
    `;
    const wrongLines = flow
      .split('\n')
      .flatMap((line, index) => (line.includes('// wrong') ? [index + 1] : []));
    const errors = check(flow);
    const lines = (file: string) => [
      ...new Set(
        errors.filter((error) => error.startsWith(`${file}:`)).map((error) => Number(error.split(':')[1])),
      ),
    ];
    expect(lines('/flow-api.d.ts')).toEqual([]);
    expect(lines('/flow.ts')).toEqual(wrongLines);
  });
});
