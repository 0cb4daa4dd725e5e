import { CronExpressionParser, type CronExpression } from 'cron-parser';

/**
 * Cron expressions of schedule nodes: five fields (minute hour day month weekday), or six with seconds
 * first, evaluated in an IANA time zone by cron-parser (the library pg-boss uses). One module for the
 * node's validation, the inspector's and the Schedules page's preview, and the clock that fires ticks,
 * so what a person is shown is what runs.
 *
 * Daylight saving (cron-parser's rules, tested in cron.test.ts): a time that does not exist on the day
 * clocks go forward (02:30 in Vienna on the last Sunday of March) runs once, an hour later (03:30); a time
 * that exists twice when they go back runs once, at its first occurrence. So a daily run is neither
 * skipped nor doubled.
 */

const FIVE_FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week'] as const;
const SIX_FIELDS = ['second', ...FIVE_FIELDS] as const;

/** How far ahead a schedule may next fire before we call it one that never does (e.g. 0 0 30 2 *). */
const HORIZON_YEARS = 5;

export const DEFAULT_TIME_ZONE = 'UTC';

/** Why the time zone cannot be used, or null. */
export function timeZoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return `'${zone}' is not a time zone (e.g. UTC, Europe/Vienna)`;
  }
}

/**
 * Why the expression cannot be a schedule, naming the cron field at fault ("hour: 25 is out of range
 * 0-23"), or null. Each field is checked alone first (the others `*`), so the message can name it; then
 * the whole, which also catches a day that never comes (31 in February).
 */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    return `a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first), this one has ${fields.length}`;
  const names = fields.length === 6 ? SIX_FIELDS : FIVE_FIELDS;
  for (const [index, field] of fields.entries()) {
    const alone = fields.map((other, at) => (at === index ? other : '*')).join(' ');
    const problem = parseProblem(alone);
    if (problem) return `${names[index]} field '${field}': ${problem}`;
  }
  const whole = parseProblem(cron);
  if (whole) return whole;
  return nextFireTimes(cron, DEFAULT_TIME_ZONE, new Date(), 1).length === 0
    ? `'${cron}' never fires (no such day in the next ${HORIZON_YEARS} years)`
    : null;
}

function parseProblem(expression: string): string | null {
  try {
    CronExpressionParser.parse(expression, { tz: DEFAULT_TIME_ZONE });
    return null;
  } catch (error) {
    return lowerFirst((error as Error).message);
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function parse(cron: string, timeZone: string, currentDate: Date): CronExpression {
  return CronExpressionParser.parse(cron, {
    tz: timeZone,
    currentDate,
    endDate: new Date(currentDate.getTime() + HORIZON_YEARS * 366 * 86_400_000),
  });
}

/** The next `count` times strictly after `from` (fewer when the expression stops firing in the horizon). */
export function nextFireTimes(cron: string, timeZone: string, from: Date, count: number): Date[] {
  const expression = parse(cron, timeZone, from);
  const times: Date[] = [];
  while (times.length < count && expression.hasNext()) times.push(expression.next().toDate());
  return times;
}

/** The first time strictly after `from`, or null when there is none within the horizon. */
export function nextFireTime(cron: string, timeZone: string, from: Date): Date | null {
  return nextFireTimes(cron, timeZone, from, 1)[0] ?? null;
}

/** The last time at or before `at` (the newest tick a late clock may catch up), or null. */
export function lastFireTimeAtOrBefore(cron: string, timeZone: string, at: Date): Date | null {
  // cron-parser's prev() is strictly before its current date: start a millisecond later.
  const expression = CronExpressionParser.parse(cron, {
    tz: timeZone,
    currentDate: new Date(at.getTime() + 1),
  });
  return expression.hasPrev() ? expression.prev().toDate() : null;
}
