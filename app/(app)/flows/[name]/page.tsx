import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { formatDateTime } from '@/components/ui/time';
import { TRPCError } from '@trpc/server';
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

/** A flow's record and source. The code editor (engine issue) takes this page over. */
export default async function FlowPage({ params }: Props) {
  const flow = await loadFlow(flowNameFrom((await params).name));
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
        {flow.kind === 'code' && (
          <pre className="code-block" aria-label="Flow code">
            <code>{flow.code}</code>
          </pre>
        )}
      </section>
    </div>
  );
}
