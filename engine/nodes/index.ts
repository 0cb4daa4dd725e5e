import { conditionNode } from './condition';
import { connectionNode } from './connection';
import { endNode } from './end';
import { flowNode } from './flow';
import { scheduleNode } from './schedule';
import { scriptNode } from './script';
import type { NodeType } from './types';
import { webhookNode } from './webhook';

/** Every node type of graph flows, in palette order. Adding one: a file beside this one, and a line here. */
export const nodeTypes: readonly NodeType[] = [
  webhookNode,
  scheduleNode,
  flowNode,
  connectionNode,
  scriptNode,
  conditionNode,
  endNode,
] as unknown as readonly NodeType[];

const byType = new Map(nodeTypes.map((definition) => [definition.type, definition]));

export function findNodeType(type: string): NodeType | undefined {
  return byType.get(type);
}

export const NODE_TYPE_NAMES: readonly string[] = nodeTypes.map((definition) => definition.type);
