import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from './closest-name';

describe('closestName', () => {
  it('counts insertions, deletions, substitutions and swapped neighbours as one edit each', () => {
    expect(editDistance('my-databse', 'my-database')).toBe(1);
    expect(editDistance('billing', 'bilIing')).toBe(1);
    expect(editDistance('report', 'rpeort')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the name a typo was meant to be', () => {
    expect(closestName('my-databse', ['crm', 'my-database', 'mailer'])).toBe('my-database');
    expect(closestName('Billing-Sync', ['billing-sync'])).toBe('billing-sync');
    expect(didYouMean('my-databse', ['my-database'])).toBe("; did you mean 'my-database'?");
  });

  it('suggests nothing for a different name, or when there are no names', () => {
    expect(closestName('payments', ['crm', 'my-database'])).toBeUndefined();
    expect(closestName('ab', ['xy'])).toBeUndefined();
    expect(didYouMean('anything', [])).toBe('');
  });

  it('prefers the closest of several near names', () => {
    expect(closestName('nightly-reprt', ['nightly-rep', 'nightly-report'])).toBe('nightly-report');
  });
});
