import { describe, expect, it } from 'vitest';
import { unknownNameWarnings } from './unknown-names';

const known = { flows: ['billing-sync', 'hello'], connections: ['my-database'] };

describe('unknownNameWarnings', () => {
  it('marks a misspelt connection and flow at the quoted name, with the name it likely meant', () => {
    const code = [
      'export default async function handler(this: Execution) {',
      "  await this.connect('my-databse', { query: 'select 1' });",
      '  await this.flow("biling-sync");',
      '}',
    ].join('\n');
    expect(unknownNameWarnings(code, known)).toEqual([
      {
        line: 2,
        column: 22,
        endColumn: 34,
        message: "connection 'my-databse' does not exist; did you mean 'my-database'?",
      },
      {
        line: 3,
        column: 19,
        endColumn: 32,
        message: "flow 'biling-sync' does not exist; did you mean 'billing-sync'?",
      },
    ]);
  });

  it('leaves existing names, computed names and other calls alone', () => {
    const code = [
      "await this.flow('hello');",
      "await this.connect('my-database');",
      'await this.flow(`${prefix}-sync`);',
      'await this.flow(name);',
      "await other.flow('nope');",
    ].join('\n');
    expect(unknownNameWarnings(code, known)).toEqual([]);
  });

  it('says only that a name does not exist when nothing is close', () => {
    expect(unknownNameWarnings("this.flow('payments')", known)).toEqual([
      { line: 1, column: 11, endColumn: 21, message: "flow 'payments' does not exist" },
    ]);
  });
});
