import { z } from 'zod';
import { objectParam, stepOutputs, stepParams, type StepParams } from './step';
import { NOT_IN_SHAPE, type Code, type NodeType } from './types';

type ScriptParams = StepParams & { code: string; input?: Record<string, unknown> };

/**
 * The module a script node runs as its child SCRIPT execution: the node's code is the body of the
 * handler, with `input` (the node's evaluated `input` param) in scope; what it returns is the output.
 */
export const SCRIPT_HEAD =
  'export default async function handler(this: Execution, system: System) {\n  const input = this.input;\n';
export const SCRIPT_TAIL = '\n}\n';
/** Lines of SCRIPT_HEAD before the node's code: a diagnostic's line in the module, minus this, is the code's. */
export const SCRIPT_HEAD_LINES = 2;

export function scriptModule(code: string): string {
  return `${SCRIPT_HEAD}${code}${SCRIPT_TAIL}`;
}

export const scriptNode: NodeType<ScriptParams> = {
  type: 'script',
  title: 'Script',
  category: 'Steps',
  icon: 'code',
  description: 'Runs TypeScript as a child execution; what it returns is the node\u2019s output',
  params: z.strictObject({
    code: z
      .string()
      .max(512 * 1024)
      .meta({
        title: 'Code',
        description: 'The body of an async function; `input` is the node\u2019s input, `return` its output',
        format: 'typescript',
      }),
    input: objectParam('Input', 'What the code reads as `input`'),
    ...stepParams,
  }),
  trigger: false,
  step: true,
  outputs: stepOutputs,
  plainParams: ['code'],
  modules: (params) => [{ path: 'code', source: scriptModule(params.code), headLines: SCRIPT_HEAD_LINES }],
  summary: (params) => (params.code.split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 60),
  emit(params, emit) {
    const input = params.input === undefined ? 'undefined' : emit.value(params.input, 'input');
    return `this.script(${emit.code(scriptModule(params.code), 'code')}, ${input}, ${emit.childOptions()})`;
  },
  read(body, read) {
    const args = read.call(body, 'this.script');
    if (!args || args.length !== 3) return undefined;
    const [sourceArg, inputArg, optionsArg] = args as [Code, Code, Code];
    const source = read.code(sourceArg);
    const input = read.absent(inputArg) ? undefined : read.value(inputArg);
    const options = read.childOptions(optionsArg);
    if (source === undefined || !source.startsWith(SCRIPT_HEAD) || !source.endsWith(SCRIPT_TAIL))
      return undefined;
    if (input === NOT_IN_SHAPE || !options || Object.keys(options).length > 0) return undefined;
    return { code: source.slice(SCRIPT_HEAD.length, source.length - SCRIPT_TAIL.length), input };
  },
};
