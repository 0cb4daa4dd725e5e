'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useTRPC } from '../trpc';
import { ConfirmDialog } from '../ui/Dialog';
import { errorMessage } from '../ui/errors';
import { EmptyState, LoadState } from '../ui/ListStates';
import { PlusIcon } from '../ui/icons';
import { formatDateTime, timeAgo } from '../ui/time';
import { TestConnectionButton } from './TestConnectionButton';
import { TableHead } from '../ui/TableHead';

export function ConnectionList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const connections = useQuery(trpc.connections.list.queryOptions());
  const [deleting, setDeleting] = useState<string | null>(null);
  const remove = useMutation(
    trpc.connections.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.connections.list.queryKey() });
        setDeleting(null);
      },
    }),
  );

  const newButton = (
    <Link className="button button-primary" href="/connections/new">
      <PlusIcon width={16} height={16} /> New connection
    </Link>
  );

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Connections</h1>
          <p>Stored settings and secrets for the systems your flows talk to.</p>
        </div>
        {connections.data && connections.data.length > 0 && newButton}
      </header>

      <section className="card" aria-label="Connections">
        <LoadState query={connections} noun="connections" />
        {connections.data && connections.data.length === 0 && (
          <EmptyState title="No connections yet" action={newButton}>
            A connection keeps the address, options and secrets of one system (a web API, a PostgreSQL
            database). Flows use it by name, <code>this.connect(&apos;name&apos;, input)</code>, and never see
            where its secrets are kept.
          </EmptyState>
        )}
        {connections.data && connections.data.length > 0 && (
          <table className="table">
            <TableHead columns={['Name', 'Connector', 'Updated']} actions />
            <tbody>
              {connections.data.map((connection) => (
                <tr key={connection.id} data-testid="connection-row">
                  <td className="name-cell">
                    <Link href={`/connections/${encodeURIComponent(connection.name)}`}>
                      {connection.name}
                    </Link>
                  </td>
                  <td>
                    <span className="badge">{connection.connector_type}</span>
                  </td>
                  <td className="muted" title={formatDateTime(connection.updated_at)}>
                    {timeAgo(connection.updated_at)}
                  </td>
                  <td className="actions">
                    <div className="row" style={{ justifyContent: 'flex-end' }}>
                      <TestConnectionButton name={connection.name} />
                      <button
                        type="button"
                        className="button button-ghost button-small"
                        aria-label={`Delete ${connection.name}`}
                        onClick={() => setDeleting(connection.name)}
                      >
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <ConfirmDialog
        open={deleting !== null}
        title="Delete connection?"
        message={
          <>
            <strong>{deleting}</strong> and its stored secrets will be deleted. Flows that use it will fail
            until a connection of that name exists again.
          </>
        }
        confirmLabel="Delete connection"
        pending={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : null}
        onConfirm={() => deleting !== null && remove.mutate({ name: deleting })}
        onClose={() => {
          setDeleting(null);
          remove.reset();
        }}
      />
    </div>
  );
}
