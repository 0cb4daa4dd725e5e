import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { flowApiDeclarations } from './flow-api-types';

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
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('the flow API declarations', () => {
  it('accept a flow that uses the whole API', () => {
    const errors = check(`
      export default async function handler(this: Execution<{ who: string }>, system: System) {
        const key: string = this.stepKey();
        const child = await this.flow<{ text: string }>('greet', { who: this.input.who });
        const text: string = child.output.text;
        const call = await this.connect({ connector_type: 'REST', url: 'http://example.test' });
        const later = await this.flow('other', null, { wait: false });
        const created = await this.flow('other', null, { run: false });
        await created.runAsync();
        const done = await this.waitFor([later, created], { returnWhen: 'ALL_ENDED' });
        await this.script('export default async function handler() { return 1; }');
        await this.log('done', done.length, call.status, key, text);
        await this.setOutput('n', done.length);
        await this.save({ message: 'nearly' });
        await this.sleep(1);
        await this.sleepUntil(new Date());
        const setting = await system.setting<number>('counter').get();
        await system.setting('counter').save(setting + 1);
        const recent = await system.executions({ status: ['ENDED_ERROR'], limit: 5 });
        await system.flow('greet');
        try {
          await child.wait();
        } catch (e) {
          if ((e as FlowApiError).name === 'DependencyFailedError') await this.log((e as FlowApiError).childId);
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
});
