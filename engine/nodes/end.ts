import { z } from 'zod';
import { objectParam } from './step';
import { NOT_IN_SHAPE, type Code, type NodeReader, type NodeType } from './types';

type EndParams = { status: 'success' | 'error'; message?: string; output?: Record<string, unknown> };

/** Ends the flow: `this.success(message)` or `this.error(message)`, after saving the output if given. */
export const endNode: NodeType<EndParams> = {
  type: 'end',
  title: 'End',
  category: 'Logic',
  icon: 'flag',
  description: 'Ends the flow with success or error, a message and an output',
  params: z.strictObject({
    status: z.enum(['success', 'error']).meta({ title: 'Status', description: 'How the flow ends' }),
    message: z
      .string()
      .max(64 * 1024)
      .optional()
      .meta({ title: 'Message' }),
    output: objectParam('Output', "The flow's output"),
  }),
  trigger: false,
  step: false,
  outputs: () => [],
  summary: (params) => (params.message ? `${params.status}: ${params.message}` : params.status),
  emit(params, emit) {
    const end = `this.${params.status}(${params.message === undefined ? '' : emit.text(params.message, 'message')})`;
    if (params.output === undefined) return end;
    return `{\n    await this.save({ output: ${emit.value(params.output, 'output')} });\n    return ${end};\n  }`;
  },
  read(body, read) {
    const statements = read.statements(body);
    if (!statements) return readEnd(body, read);
    if (statements.length !== 2) return undefined;
    const [save, end] = statements as [Code, Code];
    const saveArgs = read.call(read.awaited(save) ?? save, 'this.save');
    const saved = saveArgs?.length === 1 ? read.value(saveArgs[0] as Code) : NOT_IN_SHAPE;
    const returned = read.returned(end);
    if (saved === NOT_IN_SHAPE || !returned || !isOnlyOutput(saved)) return undefined;
    const params = readEnd(returned, read);
    return params && { ...params, output: saved.output };
  },
};

function isOnlyOutput(value: unknown): value is { output: Record<string, unknown> } {
  return typeof value === 'object' && value !== null && Object.keys(value).join() === 'output';
}

function readEnd(code: Code, read: NodeReader): Record<string, unknown> | undefined {
  for (const status of ['success', 'error'] as const) {
    const args = read.call(code, `this.${status}`);
    if (!args || args.length > 1) continue;
    if (args.length === 0) return { status };
    const message = read.value(args[0] as Code);
    return message === NOT_IN_SHAPE ? undefined : { status, message };
  }
  return undefined;
}
