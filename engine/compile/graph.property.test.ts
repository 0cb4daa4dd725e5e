import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorsOf } from '../graph/issues';
import { validateGraph } from '../graph/validate';
import { arbitraryGraph } from './arbitrary-graph';
import { decompileGraph } from './decompile';
import { typeCheckGraph } from './typecheck';

describe('random valid graphs (fast-check)', () => {
  it('of 1 to 60 nodes compile to TypeScript the compiler accepts against the flow API, and read back unchanged', () => {
    fc.assert(
      fc.property(arbitraryGraph({ maxNodes: 60, childFlow: 'child', connection: 'api' }), (input) => {
        const { graph, compiled, issues } = validateGraph(input, { typeCheck: typeCheckGraph });
        expect(errorsOf(issues)).toEqual([]);
        if (!graph || !compiled) throw new Error('a valid graph compiles');
        expect(decompileGraph(compiled.code)).toEqual(graph);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
