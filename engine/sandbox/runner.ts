/**
 * The runner program the sandbox pool forks, bundled into one file by bundle.ts, which also defines
 * the two constants: the flow API (engine/api/runner-api.ts) as a script to evaluate in each job's
 * context, and whether to keep the process's powers (tests of the permission model only).
 */
import { startRunner } from './runner-core';

declare const __FLOW_API_SOURCE__: string;
declare const __KEEP_PROCESS_POWERS__: boolean;

startRunner({ flowApiSource: __FLOW_API_SOURCE__, keepProcessPowers: __KEEP_PROCESS_POWERS__ });
