import { z } from 'zod';
import { objectParam, stepOutputs, stepParams, type StepParams } from './step';
import { NOT_IN_SHAPE, type Code, type NodeType } from './types';

type ConnectionParams = StepParams & {
  connection?: string;
  connector_type?: string;
  inputs?: Record<string, unknown>;
};

/**
 * One connector call as a child CONNECTION execution: a stored connection by name, or an ad-hoc call
 * naming the connector type; `inputs` are the connector's fields (checked against its input schema).
 */
export const connectionNode: NodeType<ConnectionParams> = {
  type: 'connection',
  title: 'Connection',
  category: 'Steps',
  icon: 'plug',
  description: 'Calls a system through a connector: a stored connection, or a connector type ad hoc',
  params: z
    .strictObject({
      connection: z
        .string()
        .min(1)
        .max(256)
        .optional()
        .meta({ title: 'Connection', description: 'A stored connection (give this or a connector type)' }),
      connector_type: z.string().min(1).max(64).optional().meta({
        title: 'Connector type',
        description: 'For a call without a stored connection (REST, SQLPG)',
      }),
      inputs: objectParam('Inputs', "The connector's fields for this call"),
      ...stepParams,
    })
    .refine((params) => (params.connection === undefined) !== (params.connector_type === undefined), {
      message: 'give exactly one of `connection` and `connector_type`',
    }),
  trigger: false,
  step: true,
  outputs: stepOutputs,
  summary: (params) => params.connection ?? `${params.connector_type ?? ''} (ad hoc)`,
  references: (params) => ({
    connector: {
      connection: { value: params.connection, path: 'connection' },
      connectorType: { value: params.connector_type, path: 'connector_type' },
      inputs: { value: params.inputs, path: 'inputs' },
    },
  }),
  emit(params, emit) {
    const target =
      params.connection !== undefined
        ? emit.value(params.connection, 'connection')
        : `{ connector_type: ${emit.value(params.connector_type, 'connector_type')} }`;
    const inputs = params.inputs === undefined ? 'undefined' : emit.value(params.inputs, 'inputs');
    return `this.connect(${target}, ${inputs}, ${emit.childOptions()})`;
  },
  read(body, read) {
    const args = read.call(body, 'this.connect');
    if (!args || args.length !== 3) return undefined;
    const [targetArg, inputsArg, optionsArg] = args as [Code, Code, Code];
    const target = read.value(targetArg);
    const inputs = read.absent(inputsArg) ? undefined : read.value(inputsArg);
    const options = read.childOptions(optionsArg);
    if (target === NOT_IN_SHAPE || inputs === NOT_IN_SHAPE || !options || Object.keys(options).length > 0)
      return undefined;
    if (typeof target === 'string') return { connection: target, inputs };
    const adHoc = target as Record<string, unknown> | null;
    if (!adHoc || typeof adHoc !== 'object' || Object.keys(adHoc).join() !== 'connector_type')
      return undefined;
    return { connector_type: adHoc.connector_type, inputs };
  },
};
