import { didYouMean } from '@/engine/names/closest-name';
import type { SourceMarker } from '../editor/CodeEditor';

export type KnownNames = { flows: readonly string[]; connections: readonly string[] };

/** `this.flow('name'` and `this.connect('name'` with a literal name, in any of the three quotes. */
const NAMED_CALL = /\bthis\s*\.\s*(flow|connect)\s*\(\s*(['"`])([^'"`\\\n]*)\2/g;

/**
 * Warnings for the flow and connection names a code flow calls that do not exist (yet), each with the
 * existing name it is likely a typo of: the same words the run would end with, before it runs.
 */
export function unknownNameWarnings(code: string, known: KnownNames): SourceMarker[] {
  const warnings: SourceMarker[] = [];
  for (const match of code.matchAll(NAMED_CALL)) {
    const [whole, method, quote, name] = match as unknown as [string, 'flow' | 'connect', string, string];
    if (quote === '`' && name.includes('${')) continue; // a computed name: only the run can tell
    const kind = method === 'flow' ? 'flow' : 'connection';
    const names = method === 'flow' ? known.flows : known.connections;
    if (names.includes(name)) continue;
    const quoteAt = match.index + whole.length - name.length - 2; // the opening quote
    const before = code.slice(0, quoteAt);
    const line = before.split('\n').length;
    const column = quoteAt - before.lastIndexOf('\n');
    warnings.push({
      line,
      column,
      endColumn: column + name.length + 2,
      message: `${kind} '${name}' does not exist${didYouMean(name, names)}`,
    });
  }
  return warnings;
}
