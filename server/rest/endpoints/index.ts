import type { Endpoint } from '../endpoint';
import * as connections from './connections';
import * as executions from './executions';
import * as flows from './flows';

/** Every REST endpoint, in the order the API document lists them. */
export const restEndpoints = [
  ...Object.values(executions),
  ...Object.values(flows),
  ...Object.values(connections),
] as unknown as readonly Endpoint[];
