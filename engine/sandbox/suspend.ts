/**
 * Rejecting a SandboxHost.call with this ends the running job without an outcome from user code and
 * without killing its runner: the runner drops the job (its pending promises never settle) and goes back
 * to the pool. The runtime uses it when an execution gives up its worker (durable sleep, waiting on
 * children): the handler is re-run from the top later and replays its journal.
 */
export class SandboxSuspend extends Error {
  override name = 'SandboxSuspend';
}
