import { describe, expect, it } from 'vitest';
import { EXECUTION_STATUSES, EXECUTION_TYPES } from '../../engine/store/database';
import { statusLabel, typeLabel } from './labels';

describe('status and type labels', () => {
  it('names the statuses as people say them', () => {
    expect(
      ['ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED', 'RUNNING', 'WAITING'].map(statusLabel),
    ).toEqual(['Succeeded', 'Failed', 'Cancelled', 'Running', 'Waiting']);
  });

  it('gives every status and type a label of its own, never the raw code', () => {
    const statuses = EXECUTION_STATUSES.map(statusLabel);
    expect(new Set(statuses).size).toBe(EXECUTION_STATUSES.length);
    for (const [index, status] of EXECUTION_STATUSES.entries()) expect(statuses[index]).not.toBe(status);
    for (const type of EXECUTION_TYPES) expect(typeLabel(type)).not.toBe(type);
  });

  it('shows a code it does not know as it is', () => {
    expect(statusLabel('ENDED_SOMEHOW')).toBe('ENDED_SOMEHOW');
  });
});
