import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { TRPCError } from '@trpc/server';
import { FlowVersionPage } from '@/components/flows/FlowVersionPage';
import { getServerCaller } from '@/server/caller';
import { flowNameFrom } from '../../flow-name';

type Props = { params: Promise<{ name: string; version: string }> };

/** "2" is version 2; anything else ("v2", "0", "1.5") is no version at all. */
function versionFrom(segment: string): number | null {
  return /^[1-9]\d{0,8}$/.test(segment) ? Number(segment) : null;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name, version } = await params;
  return { title: `${flowNameFrom(name)} v${version}` };
}

/** One version of a flow, read-only (what an execution of it ran), beside the list of its versions. */
export default async function FlowVersionRoute({ params }: Props) {
  const { name: segment, version: versionSegment } = await params;
  const name = flowNameFrom(segment);
  const version = versionFrom(versionSegment);
  if (version === null) notFound();
  try {
    // Asked here so that an unknown flow or version is a 404 page, not an error inside the view.
    await (await getServerCaller()).flows.version({ name, version });
  } catch (error) {
    if (error instanceof TRPCError && (error.code === 'NOT_FOUND' || error.code === 'BAD_REQUEST'))
      notFound();
    throw error;
  }
  return <FlowVersionPage flowName={name} version={version} />;
}
