import { describe, expect, it } from 'vitest';
import { cronProblem, lastFireTimeAtOrBefore, nextFireTimes, timeZoneProblem } from './cron';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

describe('cron expressions', () => {
  it('accepts five fields and six (seconds first), with names, ranges, steps and lists', () => {
    for (const cron of ['* * * * *', '*/5 * * * * *', '0 9 * * MON-FRI', '0 0 1,15 JAN-JUN *', '30 2 * * *'])
      expect(cronProblem(cron), cron).toBeNull();
  });

  it('names the cron field at fault', () => {
    expect(cronProblem('0 25 * * *')).toBe(
      "hour field '25': constraint error, got value 25 expected range 0-23",
    );
    expect(cronProblem('61 * * * * *')).toMatch(/^second field '61': /);
    expect(cronProblem('0 0 * FOO *')).toMatch(/^month field 'FOO': /);
    expect(cronProblem('* * *')).toBe(
      'a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first), this one has 3',
    );
    expect(cronProblem('0 0 31 2 *')).toMatch(/day of month/i);
  });

  it('refuses an unknown time zone', () => {
    expect(timeZoneProblem('Europe/Vienna')).toBeNull();
    expect(timeZoneProblem('Mars/Olympus')).toBe(
      "'Mars/Olympus' is not a time zone (e.g. UTC, Europe/Vienna)",
    );
  });

  it('gives the next runs in the schedule’s zone, and the last one at or before a time', () => {
    expect(
      iso(nextFireTimes('0 9 * * MON-FRI', 'Europe/Vienna', new Date('2026-12-04T12:00:00Z'), 3)),
    ).toEqual(['2026-12-07T08:00:00.000Z', '2026-12-08T08:00:00.000Z', '2026-12-09T08:00:00.000Z']);
    expect(iso(nextFireTimes('* * * * * *', 'UTC', new Date('2026-12-01T00:00:00.400Z'), 2))).toEqual([
      '2026-12-01T00:00:01.000Z',
      '2026-12-01T00:00:02.000Z',
    ]);
    const at = new Date('2026-12-01T10:17:00Z');
    expect(lastFireTimeAtOrBefore('*/10 * * * *', 'UTC', at)?.toISOString()).toBe('2026-12-01T10:10:00.000Z');
    expect(lastFireTimeAtOrBefore('*/1 * * * *', 'UTC', at)?.toISOString()).toBe(at.toISOString());
  });
});

describe('daylight saving time (Europe/Vienna, 2026: forward on 29 March, back on 25 October)', () => {
  it('a daily run at 09:00 runs once a day at 09:00 local across both changes', () => {
    expect(iso(nextFireTimes('0 9 * * *', 'Europe/Vienna', new Date('2026-03-27T12:00:00Z'), 4))).toEqual([
      '2026-03-28T08:00:00.000Z', // 09:00 CET
      '2026-03-29T07:00:00.000Z', // 09:00 CEST
      '2026-03-30T07:00:00.000Z',
      '2026-03-31T07:00:00.000Z',
    ]);
    expect(iso(nextFireTimes('0 9 * * *', 'Europe/Vienna', new Date('2026-10-23T12:00:00Z'), 4))).toEqual([
      '2026-10-24T07:00:00.000Z', // 09:00 CEST
      '2026-10-25T08:00:00.000Z', // 09:00 CET
      '2026-10-26T08:00:00.000Z',
      '2026-10-27T08:00:00.000Z',
    ]);
  });

  it('a daily run inside the hour that is skipped or repeated runs exactly once that day', () => {
    // 02:30 does not exist on 29 March: it runs once, at 03:30 CEST.
    expect(iso(nextFireTimes('30 2 * * *', 'Europe/Vienna', new Date('2026-03-28T12:00:00Z'), 2))).toEqual([
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    // 02:30 happens twice on 25 October: it runs once, at the first (CEST).
    expect(iso(nextFireTimes('30 2 * * *', 'Europe/Vienna', new Date('2026-10-24T12:00:00Z'), 2))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });
});
