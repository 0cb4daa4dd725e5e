/**
 * The runner program the sandbox pool forks, bundled into one file by bundle.ts, which also defines
 * the constants: the script evaluated in each job's isolate context (isolate/index.ts with the flow API,
 * engine/api/runner-api.ts) and where isolated-vm is installed. The heap limit comes from the pool.
 */
import { startRunner } from './runner-core';

declare const __REALM_SOURCE__: string;
declare const __ISOLATED_VM_PATH__: string;

startRunner({
  realmSource: __REALM_SOURCE__,
  isolatedVmPath: __ISOLATED_VM_PATH__,
  heapMb: Number(process.argv[2]) || 256,
});
