'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useTRPC } from '../trpc';
import { ConfirmDialog } from '../ui/Dialog';
import { errorMessage } from '../ui/errors';
import { EmptyState, LoadState } from '../ui/ListStates';
import { FlowsIcon, PlusIcon } from '../ui/icons';
import { formatDateTime, timeAgo } from '../ui/time';
import { NameDialog } from './NameDialog';
import { TableHead } from '../ui/TableHead';

type FlowRow = { id: string; name: string; kind: string; version: number; updated_at: Date };

function flowHref(name: string): string {
  return `/flows/${encodeURIComponent(name)}`;
}

type Editing =
  { mode: 'create' } | { mode: 'rename'; flow: FlowRow } | { mode: 'delete'; flow: FlowRow } | null;

export function FlowList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const flows = useQuery(trpc.flows.list.queryOptions());
  const [editing, setEditing] = useState<Editing>(null);

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.flows.list.queryKey() });
  const close = () => {
    setEditing(null);
    create.reset();
    rename.reset();
    remove.reset();
  };
  const router = useRouter();
  // A new flow is empty: the next thing to do with it is to build it, so open its editor (the list,
  // refreshed meanwhile, has it when the user comes back).
  const create = useMutation(
    trpc.flows.create.mutationOptions({
      onSuccess: (flow) => {
        router.push(flowHref(flow.name));
        void refresh();
      },
    }),
  );
  const rename = useMutation(trpc.flows.rename.mutationOptions({ onSuccess: () => refresh().then(close) }));
  const remove = useMutation(trpc.flows.delete.mutationOptions({ onSuccess: () => refresh().then(close) }));

  const newFlowButton = (
    <button type="button" className="button button-primary" onClick={() => setEditing({ mode: 'create' })}>
      <PlusIcon width={16} height={16} /> New flow
    </button>
  );

  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1>Flows</h1>
          <p>Automation you can run, schedule and call from anywhere.</p>
        </div>
        {flows.data && flows.data.length > 0 && newFlowButton}
      </header>

      <section className="card" aria-label="Flows">
        <LoadState query={flows} noun="flows" />
        {flows.data && flows.data.length === 0 && (
          <EmptyState icon={<FlowsIcon width={24} height={24} />} title="No flows yet" action={newFlowButton}>
            A flow is a piece of automation: it takes an input, calls other systems through connections,
            starts other flows, and ends with an output. Every run becomes an execution you can follow step by
            step.
          </EmptyState>
        )}
        {flows.data && flows.data.length > 0 && (
          <table className="table">
            <TableHead columns={['Name', 'Kind', 'Version', 'Updated']} actions />
            <tbody>
              {flows.data.map((flow) => (
                <tr key={flow.id} data-testid="flow-row">
                  <td className="name-cell">
                    <Link href={flowHref(flow.name)}>{flow.name}</Link>
                  </td>
                  <td>
                    <span className="badge">{flow.kind}</span>
                  </td>
                  <td className="muted">v{flow.version}</td>
                  <td className="muted" title={formatDateTime(flow.updated_at)}>
                    {timeAgo(flow.updated_at)}
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      className="button button-ghost button-small"
                      aria-label={`Rename ${flow.name}`}
                      onClick={() => setEditing({ mode: 'rename', flow })}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      className="button button-ghost button-small"
                      aria-label={`Delete ${flow.name}`}
                      onClick={() => setEditing({ mode: 'delete', flow })}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <NameDialog
        open={editing?.mode === 'create'}
        title="New flow"
        description="Give the flow a name, and choose how to build it. A graph can become code later."
        initialName=""
        submitLabel="Create flow"
        pending={create.isPending}
        error={create.error ? errorMessage(create.error) : null}
        onSubmit={(name, kind) => create.mutate({ name, kind })}
        chooseKind
        onClose={close}
      />
      <NameDialog
        open={editing?.mode === 'rename'}
        title="Rename flow"
        description="Executions and other flows find this flow by its name; update callers after renaming."
        initialName={editing?.mode === 'rename' ? editing.flow.name : ''}
        submitLabel="Rename"
        pending={rename.isPending}
        error={rename.error ? errorMessage(rename.error) : null}
        onSubmit={(name) => editing?.mode === 'rename' && rename.mutate({ id: editing.flow.id, name })}
        onClose={close}
      />
      <ConfirmDialog
        open={editing?.mode === 'delete'}
        title="Delete flow?"
        message={
          <>
            <strong>{editing?.mode === 'delete' ? editing.flow.name : ''}</strong> and all its versions will
            be deleted. This cannot be undone.
          </>
        }
        confirmLabel="Delete flow"
        pending={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : null}
        onConfirm={() => editing?.mode === 'delete' && remove.mutate({ id: editing.flow.id })}
        onClose={close}
      />
    </div>
  );
}
