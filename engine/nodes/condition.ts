import { z } from 'zod';
import type { Code, NodeType } from './types';

type ConditionParams = { expression: string };

/** An `if`: the flow goes on by the `true` or the `false` handle. */
export const conditionNode: NodeType<ConditionParams> = {
  type: 'condition',
  title: 'Condition',
  category: 'Logic',
  icon: 'split',
  description: 'Goes on by the true or the false branch',
  params: z.strictObject({
    expression: z
      .string()
      .trim()
      .min(1)
      .max(64 * 1024)
      .meta({
        title: 'Condition',
        description: 'A TypeScript expression (no {{ }}), e.g. fetch_orders.output.json.length > 0',
        format: 'expression',
      }),
  }),
  trigger: false,
  step: false,
  outputs: () => [
    { id: 'true', label: 'True', expected: true },
    { id: 'false', label: 'False', expected: true },
  ],
  plainParams: ['expression'],
  expressionParams: ['expression'],
  summary: (params) => params.expression.slice(0, 60),
  emit(params, emit) {
    const test = emit.expression(params.expression, 'expression');
    return `{\n    if (${test}) return graph.take('true');\n    return graph.take('false');\n  }`;
  },
  read(body, read) {
    const statements = read.statements(body);
    if (statements?.length !== 2) return undefined;
    const [first, second] = statements as [Code, Code];
    const branch = read.ifReturn(first);
    const otherwise = read.returned(second);
    const takes = (code: Code, handle: 'true' | 'false') => {
      const args = read.call(code, 'graph.take');
      return args?.length === 1 && read.literal(args[0] as Code) === handle;
    };
    if (!branch || !otherwise || !takes(branch.value, 'true') || !takes(otherwise, 'false')) return undefined;
    return { expression: branch.test };
  },
};
