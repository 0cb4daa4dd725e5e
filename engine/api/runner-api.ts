/**
 * The flow API as user code sees it, built INSIDE the runner process (engine/sandbox/runner.ts imports
 * this). Every effect is a message to the worker (`call`); nothing here touches the database or the
 * network. Owned by the runtime (engine helper); the sandbox only transports the calls.
 */

/** What the runner knows about the execution it runs: plain data, sent with the SandboxJob. */
export type RunnerContext = {
  executionId: string;
  input: unknown;
};

export type RpcCall = (method: string, args: unknown[]) => Promise<unknown>;

export function createFlowApi(context: RunnerContext, call: RpcCall): { execution: object; system: object } {
  const execution = {
    id: context.executionId,
    input: context.input,
    log: (...args: unknown[]) => call('log', args),
    success: (message?: string) => call('success', [message]),
    error: (message?: string) => call('error', [message]),
  };
  const system = {};
  return { execution, system };
}
