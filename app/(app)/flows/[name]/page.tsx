import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { TRPCError } from '@trpc/server';
import { CodeFlowEditor } from '@/components/flows/CodeFlowEditor';
import { GraphEditor } from '@/components/canvas/GraphEditor';
import { EMPTY_GRAPH, graphSchema } from '@/engine/graph/model';
import { getServerCaller } from '@/server/caller';
import { flowNameFrom } from './flow-name';

type Props = { params: Promise<{ name: string }> };

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

/** A code flow opens in the code editor, a graph flow on the canvas. */
export default async function FlowPage({ params }: Props) {
  const flow = await loadFlow(flowNameFrom((await params).name));
  if (flow.kind === 'graph') {
    const graph = graphSchema.safeParse(flow.graph);
    return (
      <GraphEditor
        // A new key per flow and version: the editor starts again from the stored graph after a reload.
        key={`${flow.id}:${flow.version}`}
        flow={{
          id: flow.id,
          name: flow.name,
          version: flow.version,
          graph: graph.success ? graph.data : EMPTY_GRAPH,
        }}
      />
    );
  }
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
