import { z } from 'zod';
import { objectParam, stepOutputs, stepParams, type StepParams } from './step';
import { NOT_IN_SHAPE, type Code, type NodeType } from './types';

type FlowParams = StepParams & { flow: string; input?: Record<string, unknown>; wait?: boolean };

/** Runs another flow as a child FLOW execution: `this.flow(name, input, options)`. */
export const flowNode: NodeType<FlowParams> = {
  type: 'flow',
  title: 'Flow',
  category: 'Steps',
  icon: 'workflow',
  description: 'Runs another flow (its current version) as a child execution',
  params: z.strictObject({
    flow: z.string().min(1).max(256).meta({ title: 'Flow', description: 'The flow to run' }),
    input: objectParam('Input', "The child flow's input"),
    wait: z.boolean().optional().meta({
      title: 'Wait for it',
      description: 'false: go on at once while the child runs (default true)',
    }),
    ...stepParams,
  }),
  trigger: false,
  step: true,
  outputs: stepOutputs,
  summary: (params) => params.flow,
  references: (params) => ({ flow: { value: params.flow, path: 'flow' } }),
  emit(params, emit) {
    const input = params.input === undefined ? 'undefined' : emit.value(params.input, 'input');
    const options = emit.childOptions(params.wait === undefined ? {} : { wait: params.wait });
    return `this.flow(${emit.value(params.flow, 'flow')}, ${input}, ${options})`;
  },
  read(body, read) {
    const args = read.call(body, 'this.flow');
    if (!args || args.length !== 3) return undefined;
    const [flowArg, inputArg, optionsArg] = args as [Code, Code, Code];
    const flow = read.value(flowArg);
    const input = read.absent(inputArg) ? undefined : read.value(inputArg);
    const { wait, ...rest } = read.childOptions(optionsArg) ?? { invalid: true };
    if (flow === NOT_IN_SHAPE || input === NOT_IN_SHAPE || Object.keys(rest).length > 0) return undefined;
    return { flow, input, wait };
  },
};
