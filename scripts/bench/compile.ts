import { performance } from 'node:perf_hooks';
import { compileGraph } from '../../engine/compile/compile';
import { typeCheckGraph } from '../../engine/compile/typecheck';
import { canonicalizeGraph } from '../../engine/graph/canonical';
import { graphSchema, type Graph, type GraphInput } from '../../engine/graph/model';
import { validateGraph } from '../../engine/graph/validate';

/**
 * A large, realistic graph: `blocks` repetitions of fetch -> check -> (bill | script) -> note, each
 * block reading the one before, with expressions in every step (5 nodes a block).
 */
export function largeGraph(blocks: number): GraphInput {
  const nodes: GraphInput['nodes'] = [];
  const edges: NonNullable<GraphInput['edges']> = [];
  let previous: string | undefined;
  for (let block = 0; block < blocks; block++) {
    const id = (name: string) => `${name}_${block}`;
    nodes.push(
      {
        id: id('fetch'),
        type: 'connection',
        params: {
          connection: 'shop',
          inputs: {
            path: `/orders/{{ ${previous ? `${previous}.output.next` : 'input.first'} }}`,
            method: 'GET',
          },
          retries: { count: 2, delay_seconds: 1 },
        },
      },
      { id: id('check'), type: 'condition', params: { expression: `${id('fetch')}.output.json.length > 0` } },
      {
        id: id('bill'),
        type: 'flow',
        params: {
          flow: 'billing',
          input: {
            orders: `{{ ${id('fetch')}.output.json }}`,
            note: `block ${block}: {{ ${id('fetch')}.output.json.length }} orders`,
          },
        },
      },
      {
        id: id('count'),
        type: 'script',
        params: {
          code: 'return input.orders.length;',
          input: { orders: `{{ ${id('fetch')}.output.json }}` },
        },
      },
      {
        id: id('note'),
        type: 'flow',
        params: { flow: 'audit', input: { billed: `{{ ${id('bill')}.output }}` } },
      },
    );
    if (previous) edges.push({ source: previous, target: id('fetch') });
    edges.push(
      { source: id('fetch'), target: id('check') },
      { source: id('check'), sourceHandle: 'true', target: id('bill') },
      { source: id('check'), sourceHandle: 'false', target: id('count') },
      { source: id('bill'), target: id('note') },
      { source: id('count'), target: id('note') },
    );
    previous = id('note');
  }
  return { nodes, edges };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

function timed(runs: number, work: () => void): number {
  for (let warm = 0; warm < 3; warm++) work();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  return Math.round(median(times) * 100) / 100;
}

/**
 * P5: compiling a 1,000-node graph (graph -> module text, its node map and param spans), median of 20.
 * Beside it, the validator on the same graph (structure, params, expressions; no database) and the
 * TypeScript check of the module, which a save adds: what saving a graph that large costs.
 */
export function measureCompile(log: (line: string) => void): Record<string, number> {
  const graph: Graph = canonicalizeGraph(graphSchema.parse(largeGraph(200)));
  const P5_ms = timed(20, () => compileGraph(graph));
  const P5_validate_ms = timed(10, () => validateGraph(graph));
  const compiled = compileGraph(graph);
  const P5_typecheck_ms = timed(3, () => typeCheckGraph(compiled, graph));
  log(
    `P5 compile a ${graph.nodes.length}-node graph: ${P5_ms} ms (validate ${P5_validate_ms} ms, type check ${P5_typecheck_ms} ms)`,
  );
  return { P5_ms, P5_validate_ms, P5_typecheck_ms };
}
