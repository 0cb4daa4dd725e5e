import type { Metadata } from 'next';
import { ConnectionEditor } from '@/components/connections/ConnectionEditor';

type Props = { params: Promise<{ name: string }> };

/** Connection names cannot contain '%'; a broken escape is just an unknown name. */
function connectionNameFrom(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: connectionNameFrom((await params).name) };
}

export default async function ConnectionPage({ params }: Props) {
  return <ConnectionEditor name={connectionNameFrom((await params).name)} />;
}
