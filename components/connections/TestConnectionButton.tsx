'use client';

import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import { TestOutcome } from './TestOutcome';

/** "Test" in the list of connections: runs the connector's cheap check on the stored connection. */
export function TestConnectionButton({ name }: { name: string }) {
  const trpc = useTRPC();
  const test = useMutation(trpc.connections.test.mutationOptions());
  return (
    <div className="row">
      {test.isError && <TestOutcome result={{ ok: false, message: errorMessage(test.error) }} />}
      {test.data && <TestOutcome result={test.data} />}
      <button
        type="button"
        className="button button-ghost button-small"
        aria-label={`Test connection ${name}`}
        disabled={test.isPending}
        onClick={() => test.mutate({ name })}
      >
        {test.isPending ? 'Testing…' : 'Test'}
      </button>
    </div>
  );
}
