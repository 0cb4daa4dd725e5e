import type { Worker } from './worker';

/** What the web process needs of a worker running in the same process (see `reserveSlot`). */
export type LocalWorker = Pick<
  Worker,
  'workerId' | 'leaseMs' | 'reserveSlot' | 'releaseSlot' | 'runReserved'
>;

const localWorkerHolder = globalThis as typeof globalThis & { flowlineLocalWorker?: LocalWorker };

/**
 * The worker of this process, if it has one. Kept on globalThis: Next.js bundles each route with its
 * own copy of the engine modules, while the worker was started from the sources by scripts/lib/serve.ts.
 */
export function localWorker(): LocalWorker | undefined {
  return localWorkerHolder.flowlineLocalWorker;
}

export function registerLocalWorker(worker: LocalWorker | undefined): void {
  localWorkerHolder.flowlineLocalWorker = worker;
}
