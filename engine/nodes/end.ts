import { z } from 'zod';
import { objectParam } from './step';
import { NOT_IN_SHAPE, type Code, type NodeReader, type NodeType, type Read } from './types';

type EndParams = {
  status: 'success' | 'error';
  message?: string;
  output?: Record<string, unknown>;
  /** A webhook call's HTTP answer (`this.respond`): `{ status, headers?, body? }`. */
  response?: Record<string, unknown>;
};

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
    response: objectParam(
      'Webhook response',
      'The HTTP answer of a webhook call: { status, headers?, body? } (a string body is sent as it is)',
    ),
  }),
  trigger: false,
  step: false,
  outputs: () => [],
  summary: (params) => (params.message ? `${params.status}: ${params.message}` : params.status),
  emit(params, emit) {
    const end = `this.${params.status}(${params.message === undefined ? '' : emit.text(params.message, 'message')})`;
    if (params.output === undefined && params.response === undefined) return end;
    const lines: string[] = [];
    if (params.response !== undefined)
      lines.push(`    await this.respond(${emit.value(params.response, 'response')});`);
    if (params.output !== undefined)
      lines.push(`    await this.save({ output: ${emit.value(params.output, 'output')} });`);
    return `{\n${lines.join('\n')}\n    return ${end};\n  }`;
  },
  read(body, read) {
    const statements = read.statements(body);
    if (!statements) return readEnd(body, read);
    if (statements.length < 2 || statements.length > 3) return undefined;
    const rest = [...statements];
    const returned = read.returned(rest.pop() as Code);
    const params = returned && readEnd(returned, read);
    if (!params) return undefined;
    // In the order emit writes them: respond first, then save.
    const respondArgs = read.call(read.awaited(rest[0] as Code) ?? (rest[0] as Code), 'this.respond');
    let response: Read<unknown> | undefined;
    if (respondArgs) {
      rest.shift();
      response = respondArgs.length === 1 ? read.value(respondArgs[0] as Code) : NOT_IN_SHAPE;
      if (response === NOT_IN_SHAPE || !isObject(response)) return undefined;
    }
    if (rest.length > 1) return undefined;
    let output: Record<string, unknown> | undefined;
    if (rest.length === 1) {
      const saveArgs = read.call(read.awaited(rest[0] as Code) ?? (rest[0] as Code), 'this.save');
      const saved = saveArgs?.length === 1 ? read.value(saveArgs[0] as Code) : NOT_IN_SHAPE;
      if (saved === NOT_IN_SHAPE || !isOnlyOutput(saved)) return undefined;
      output = saved.output;
    }
    return {
      ...params,
      ...(output !== undefined ? { output } : {}),
      ...(response !== undefined ? { response } : {}),
    };
  },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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
