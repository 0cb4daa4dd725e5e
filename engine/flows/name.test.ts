import { describe, expect, it } from 'vitest';
import { assertValidFlowName, flowNameProblem, InvalidFlowNameError } from './name';

describe('flow name rules', () => {
  it.each([
    'a',
    'billing-sync',
    'Nightly report 2.0',
    'snake_case.v1',
    'Überweisung prüfen',
    'x'.repeat(128),
  ])('accepts %j', (name) => {
    expect(flowNameProblem(name)).toBeNull();
  });

  it('refuses blank names', () => {
    expect(flowNameProblem('')).toMatch(/must not be blank/);
    expect(flowNameProblem('   ')).toMatch(/must not be blank/);
  });

  it('refuses names longer than 128 characters and says how long it was', () => {
    expect(flowNameProblem('x'.repeat(129))).toMatch(/at most 128 characters \(this one has 129\)/);
  });

  it.each(['a/b', 'semi;colon', 'tab\tname', 'new\nline', 'emoji 🚀', 'quote"'])(
    'refuses %j naming the allowed characters',
    (name) => {
      expect(flowNameProblem(name)).toMatch(/only contain letters, digits, spaces and the characters - _ \./);
    },
  );

  it('refuses leading and trailing spaces', () => {
    expect(flowNameProblem(' lead')).toMatch(/must not start or end with a space/);
    expect(flowNameProblem('trail ')).toMatch(/must not start or end with a space/);
  });

  it('throws an InvalidFlowNameError of kind invalid', () => {
    expect(() => assertValidFlowName('a/b')).toThrow(InvalidFlowNameError);
    try {
      assertValidFlowName('');
    } catch (error) {
      expect((error as InvalidFlowNameError).kind).toBe('invalid');
    }
  });
});
