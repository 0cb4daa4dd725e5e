import fc from 'fast-check';
import type { GraphEdge, GraphInput, NodeHandleId } from '../graph/model';

/**
 * Random valid graphs for property tests (fast-check): DAGs of 1 to `maxNodes` nodes of every type,
 * edges only from earlier nodes to later ones, each handle used as its type allows, expressions that
 * read only upstream nodes, and strings full of what code generation must escape. Child flows are
 * named `childFlow`, connections `connection`: the caller defines them.
 */
export type GraphOptions = {
  maxNodes: number;
  childFlow: string;
  connection: string;
  triggers?: boolean;
  /** false: no end nodes, so every run goes through the whole graph (which end wins a race is timing). */
  ends?: boolean;
};

type Shape = {
  type: 'flow' | 'connection' | 'script' | 'condition' | 'end' | 'webhook' | 'schedule';
  continueOnError: boolean;
  retries: boolean;
  parents: number[];
  text: string;
  pick: number;
  position: { x: number; y: number } | null;
  notes: string | null;
};

/** Text that is hard to write into code: quotes, backticks, `${`, backslashes, line breaks, unicode. */
const trickyText = fc
  .array(
    fc.constantFrom(
      'a',
      ' ',
      "'",
      '"',
      '`',
      '${',
      '\\',
      '\n',
      '\r',
      '\t',
      'é',
      '\u2028',
      '}',
      '{',
      '$',
      '/*',
      '//',
    ),
    {
      maxLength: 8,
    },
  )
  .map((parts) => parts.join(''))
  .filter((text) => !text.includes('{{') && !text.includes('}}') && !text.endsWith('{'));

const STEPS_AND_LOGIC: Shape['type'][] = ['flow', 'connection', 'script', 'condition'];

const shape = (index: number, triggers: boolean, ends: boolean): fc.Arbitrary<Shape> =>
  fc.record({
    type:
      triggers && index === 0
        ? fc.constantFrom<Shape['type']>('webhook', 'schedule')
        : fc.constantFrom(...STEPS_AND_LOGIC, ...(ends ? (['end'] as const) : [])),
    continueOnError: fc.boolean(),
    retries: fc.boolean(),
    parents: fc.uniqueArray(fc.nat({ max: Math.max(index - 1, 0) }), { maxLength: index === 0 ? 0 : 3 }),
    text: trickyText,
    pick: fc.nat(),
    position: fc.option(
      fc.record({ x: fc.integer({ min: -5000, max: 5000 }), y: fc.integer({ min: -5000, max: 5000 }) }),
    ),
    notes: fc.option(
      fc
        .array(
          trickyText.filter((text) => !/[\r\n\u2028\u2029]/.test(text)),
          { minLength: 1, maxLength: 3 },
        )
        .map((lines) => lines.join('\n')),
    ),
  });

export function arbitraryGraph(options: GraphOptions): fc.Arbitrary<GraphInput> {
  return fc
    .integer({ min: 1, max: options.maxNodes })
    .chain((count) =>
      fc.boolean().chain((withTrigger) => {
        const triggers = (options.triggers ?? true) && withTrigger;
        return fc.tuple(
          ...Array.from({ length: count }, (_, index) => shape(index, triggers, options.ends ?? true)),
        );
      }),
    )
    .map((shapes) => buildGraph(shapes, options));
}

function buildGraph(shapes: Shape[], options: GraphOptions): GraphInput {
  const ids = shapes.map((_, index) => `n${index}`);
  const used = new Map<string, number>();
  const edges: GraphEdge[] = [];
  const parentsOf = new Map<number, number[]>();
  const hasTrigger = shapes[0]?.type === 'webhook' || shapes[0]?.type === 'schedule';
  shapes.forEach((node, index) => {
    if (index === 0 || node.type === 'webhook' || node.type === 'schedule') return;
    const parents: number[] = [];
    for (const parent of node.parents) {
      const handle = freeHandle(shapes, parent, used);
      if (!handle) continue;
      used.set(`${parent}:${handle}`, (used.get(`${parent}:${handle}`) ?? 0) + 1);
      edges.push({ source: ids[parent] as string, sourceHandle: handle, target: ids[index] as string });
      parents.push(parent);
    }
    // With a trigger, every node must be reached from it.
    if (hasTrigger && parents.length === 0) {
      edges.push({ source: 'n0', sourceHandle: 'out', target: ids[index] as string });
      parents.push(0);
    }
    parentsOf.set(index, parents);
  });
  const ancestors = ancestorSets(shapes.length, parentsOf);
  const nodes = shapes.map((node, index) => {
    const upstream = [...(ancestors[index] ?? [])].map((at) => ids[at] as string);
    const reference = upstream.length === 0 ? 'input' : (upstream[node.pick % upstream.length] as string);
    return {
      id: ids[index] as string,
      type: node.type,
      ...(node.position && { position: node.position }),
      ...(node.notes && { notes: node.notes }),
      params: paramsOf(node, reference, options),
    };
  });
  return { nodes, edges };
}

/** A handle of `parent` that may take one more edge, or undefined. */
function freeHandle(shapes: Shape[], parent: number, used: Map<string, number>): NodeHandleId | undefined {
  const node = shapes[parent] as Shape;
  const free = (handle: NodeHandleId) => !used.get(`${parent}:${handle}`);
  switch (node.type) {
    case 'end':
      return undefined;
    case 'condition':
      return free('true') ? 'true' : free('false') ? 'false' : undefined;
    case 'webhook':
    case 'schedule':
      return 'out';
    default:
      return node.continueOnError && free('error') && node.pick % 2 === 0 ? 'error' : 'out';
  }
}

function ancestorSets(count: number, parentsOf: Map<number, number[]>): Set<number>[] {
  const sets: Set<number>[] = [];
  for (let index = 0; index < count; index++) {
    const set = new Set<number>();
    for (const parent of parentsOf.get(index) ?? []) {
      set.add(parent);
      for (const above of sets[parent] ?? []) set.add(above);
    }
    sets.push(set);
  }
  return sets;
}

function paramsOf(node: Shape, reference: string, options: GraphOptions): Record<string, unknown> {
  const value = `{{ ${reference === 'input' ? 'input' : `${reference}.status`} }}`;
  const read = reference === 'input' ? 'input' : `${reference}.output`;
  const mixed = `${node.text}{{ ${read} }}${node.text}{{ ${read} ?? 'none' }}`;
  const computed = `{{ ${read} === null ? 0 : 1 }}`;
  const step = {
    ...(node.retries && { retries: { count: 1, delay_seconds: 0 } }),
    ...(node.continueOnError && { on_error: 'continue' }),
  };
  switch (node.type) {
    case 'flow':
      return {
        flow: options.childFlow,
        input: { value, text: mixed, computed, plain: node.text, n: node.pick % 100 },
        ...step,
      };
    case 'connection':
      return {
        connection: options.connection,
        inputs: { method: 'POST', json: { value, text: mixed } },
        ...step,
      };
    case 'script':
      return {
        code: `// ${node.text.replace(/[\r\n\u2028\u2029]/g, ' ')}\nreturn input;`,
        input: { value, text: mixed },
        ...step,
      };
    case 'condition':
      return {
        expression: reference === 'input' ? 'input !== undefined' : `${reference}.status === 'success'`,
      };
    case 'end':
      return { status: node.pick % 2 === 0 ? 'success' : 'error', message: mixed };
    case 'webhook':
      return { name: `hook-${node.pick % 1000}`, methods: ['POST'] };
    case 'schedule':
      return { cron: '*/5 * * * *', timezone: 'Europe/Vienna' };
  }
}

/**
 * What running a graph made by arbitraryGraph (without end nodes) must do when every child succeeds:
 * the nodes that run (the others are skipped). A node runs when an edge into it is taken (or it has
 * none); a step leaves by `out`; a condition's expression is true exactly when the node it reads ran.
 */
export function expectedRun(graph: GraphInput): Set<string> {
  const ran = new Set<string>();
  const handleOf = new Map<string, string>();
  for (const node of graph.nodes) {
    const incoming = (graph.edges ?? []).filter((edge) => edge.target === node.id);
    const runs =
      incoming.length === 0 ||
      incoming.some(
        (edge) => ran.has(edge.source) && handleOf.get(edge.source) === (edge.sourceHandle ?? 'out'),
      );
    if (!runs) continue;
    ran.add(node.id);
    if (node.type === 'condition') {
      const expression = String(node.params?.expression);
      const read = /^(\w+)\.status === 'success'$/.exec(expression)?.[1];
      handleOf.set(node.id, read === undefined || ran.has(read) ? 'true' : 'false');
    } else {
      handleOf.set(node.id, 'out');
    }
  }
  return ran;
}
