import { describe, expect, it } from 'vitest';
import { elapsedMs, formatDuration, isEndedStatus, prettyJson } from './format';

describe('execution formatting', () => {
  it('says durations the way people read them', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(812.4)).toBe('812 ms');
    expect(formatDuration(4_218)).toBe('4.22 s');
    expect(formatDuration(42_500)).toBe('42.5 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(8_040_000)).toBe('2 h 14 min');
  });

  it('measures an ended execution from its timestamps and an unended one only once "now" is known', () => {
    const from = '2026-01-01T10:00:00.000Z';
    expect(elapsedMs(from, '2026-01-01T10:00:01.500Z', null)).toBe(1500);
    expect(elapsedMs(from, null, null)).toBeNull();
    expect(elapsedMs(from, null, Date.parse('2026-01-01T10:00:02.000Z'))).toBe(2000);
    expect(elapsedMs(null, null, Date.now())).toBeNull();
  });

  it('knows ended statuses and prints JSON with two spaces', () => {
    expect(['ENDED_SUCCESS', 'ENDED_ERROR', 'ENDED_CANCELLED'].every(isEndedStatus)).toBe(true);
    expect(['PENDING', 'RUNNING', 'WAITING', 'PAUSED'].some(isEndedStatus)).toBe(false);
    expect(prettyJson({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(prettyJson(undefined)).toBeUndefined();
  });
});
