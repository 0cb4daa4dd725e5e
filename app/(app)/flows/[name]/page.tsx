import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { TRPCError } from '@trpc/server';
import { CodeFlowEditor } from '@/components/flows/CodeFlowEditor';
import { formatDateTime } from '@/components/ui/time';
import { getServerCaller } from '@/server/caller';

type Props = { params: Promise<{ name: string }> };

/** Flow names cannot contain '%', so decoding twice is harmless; a broken escape is just an unknown name. */
function flowNameFrom(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: flowNameFrom((await params).name) };
}

async function loadFlow(name: string) {
  try {
    return await (await getServerCaller()).flows.get({ name });
  } catch (error) {
    if (error instanceof TRPCError && error.code === 'NOT_FOUND') notFound();
    throw error;
  }
}

/** A code flow opens in the editor; other kinds show their record until their editor exists. */
export default async function FlowPage({ params }: Props) {
  const flow = await loadFlow(flowNameFrom((await params).name));
  if (flow.kind === 'code') {
    return (
      <CodeFlowEditor
        // A new key per flow and version: the editor starts again from the stored code after a rename or reload.
        key={`${flow.id}:${flow.version}`}
        flow={{
          id: flow.id,
          name: flow.name,
          version: flow.version,
          code: flow.code ?? '',
          timeoutSeconds: flow.timeout_seconds,
        }}
      />
    );
  }
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <div className="breadcrumb">
            <Link href="/flows">Flows</Link> /
          </div>
          <h1>{flow.name}</h1>
        </div>
      </header>
      <section className="card">
        <div className="card-body">
          <dl className="meta">
            <div>
              <dt>Kind</dt>
              <dd>{flow.kind}</dd>
            </div>
            <div>
              <dt>Version</dt>
              <dd>v{flow.version}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd>{formatDateTime(flow.created_at)}</dd>
            </div>
            <div>
              <dt>Updated</dt>
              <dd>{formatDateTime(flow.updated_at)}</dd>
            </div>
          </dl>
        </div>
      </section>
    </div>
  );
}
