import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { TRPCError } from '@trpc/server';
import { ExecutionDetail } from '@/components/executions/ExecutionDetail';
import { getServerCaller } from '@/server/caller';

type Props = { params: Promise<{ id: string }> };

async function loadExecution(id: string) {
  try {
    return await (await getServerCaller()).executions.get({ id });
  } catch (error) {
    // Not a UUID (BAD_REQUEST) or no such execution: either way there is no page here.
    if (error instanceof TRPCError && (error.code === 'NOT_FOUND' || error.code === 'BAD_REQUEST'))
      notFound();
    throw error;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Execution ${(await params).id.slice(0, 8)}` };
}

export default async function ExecutionPage({ params }: Props) {
  const { id } = await params;
  const details = await loadExecution(id);
  // A new key per execution: moving to another one (Run again) starts its page afresh, buttons included.
  return <ExecutionDetail key={id} id={id} initial={details} />;
}
