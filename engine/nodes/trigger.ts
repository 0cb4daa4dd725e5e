import { NOT_IN_SHAPE, type Code, type NodeReader } from './types';

/** A trigger's body, `graph.trigger('<type>', { ...params })`, read back. */
export function readTrigger(type: string, body: Code, read: NodeReader): Record<string, unknown> | undefined {
  const args = read.call(body, 'graph.trigger');
  if (args?.length !== 2 || read.literal(args[0] as Code) !== type) return undefined;
  const params = read.literal(args[1] as Code);
  if (params === NOT_IN_SHAPE || typeof params !== 'object' || params === null || Array.isArray(params))
    return undefined;
  return params as Record<string, unknown>;
}
