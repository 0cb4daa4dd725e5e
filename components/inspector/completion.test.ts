import { describe, expect, it } from 'vitest';
import { completionAt } from './completion';

const upstream = ['fetch_orders', 'check'];
const at = (text: string, bare = false) => completionAt(text, text.length, bare, upstream);

describe('expression completion', () => {
  it('offers input and the upstream ids inside {{ }}', () => {
    expect(at('Hello {{ ')).toEqual({ from: 9, items: ['input', 'fetch_orders', 'check'] });
    expect(at('Hello {{ fe')).toEqual({ from: 9, items: ['fetch_orders'] });
    expect(at('Hello')).toBeNull();
    expect(at('{{ input }} and ')).toBeNull();
  });

  it("offers a node result's fields after its id", () => {
    expect(at('{{ fetch_orders.')?.items).toEqual(['output', 'status', 'message', 'error', 'childId']);
    expect(at('{{ fetch_orders?.st')).toEqual({ from: 17, items: ['status'] });
    expect(at('{{ input.')).toBeNull();
    expect(at('{{ fetch_orders.output.')).toBeNull();
  });

  it('reads a bare expression (a condition) as an expression throughout', () => {
    expect(at('check.status === "success" && fe', true)?.items).toEqual(['fetch_orders']);
    expect(at('', true)?.items).toEqual(['input', 'fetch_orders', 'check']);
  });
});
