'use client';

import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '../trpc';
import { errorMessage } from '../ui/errors';
import styles from './connections.module.css';

/** "Test connection": runs the connector's cheap check on the stored connection and says how it went. */
export function TestConnectionButton({ name, small = false }: { name: string; small?: boolean }) {
  const trpc = useTRPC();
  const test = useMutation(trpc.connections.test.mutationOptions());
  const result = test.data;
  return (
    <div className="row">
      {test.isError && (
        <p className={`alert ${styles.testResult}`} role="status">
          {errorMessage(test.error)}
        </p>
      )}
      {result && (
        <p className={`alert ${result.ok ? 'alert-success' : ''} ${styles.testResult}`} role="status">
          {result.ok ? 'Connection works' : `Failed: ${result.message}`}
        </p>
      )}
      <button
        type="button"
        className={`button ${small ? 'button-ghost button-small' : ''}`}
        aria-label={`Test connection ${name}`}
        disabled={test.isPending}
        onClick={() => test.mutate({ name })}
      >
        {test.isPending ? 'Testing…' : small ? 'Test' : 'Test connection'}
      </button>
    </div>
  );
}
