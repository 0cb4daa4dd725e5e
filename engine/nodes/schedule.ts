import { z } from 'zod';
import { readTrigger } from './trigger';
import type { NodeType } from './types';

type ScheduleParams = { cron: string; timezone?: string; overlap?: 'skip' | 'allow'; enabled?: boolean };

/** One cron field: numbers, ranges, steps, lists, names (MON, JAN), `*` and `?`. */
const CRON_FIELD =
  /^(\*|\?|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?(,(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?)*$/;

/** The shape of a cron expression: five fields, or six with seconds first (issue 11 checks the ranges). */
export function cronProblem(cron: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    return `a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first), this one has ${fields.length}`;
  const bad = fields.find((field) => !CRON_FIELD.test(field));
  return bad === undefined ? null : `'${bad}' is not a cron field`;
}

export function timeZoneProblem(zone: string): string | null {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return null;
  } catch {
    return `'${zone}' is not a time zone (e.g. UTC, Europe/Vienna)`;
  }
}

/** Starts the flow on a cron schedule. */
export const scheduleNode: NodeType<ScheduleParams> = {
  type: 'schedule',
  title: 'Schedule',
  category: 'Triggers',
  icon: 'clock',
  description: 'Starts the flow on a cron schedule',
  params: z.strictObject({
    cron: z
      .string()
      .max(256)
      .superRefine((cron, ctx) => {
        const problem = cronProblem(cron);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .meta({ title: 'Cron', description: 'e.g. 0 9 * * MON-FRI (9:00 on weekdays)' }),
    timezone: z
      .string()
      .max(64)
      .superRefine((zone, ctx) => {
        const problem = timeZoneProblem(zone);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .meta({ title: 'Time zone', description: 'Default UTC' }),
    overlap: z
      .enum(['skip', 'allow'])
      .optional()
      .meta({ title: 'Overlap', description: 'skip (default): no tick while the last run is still going' }),
    enabled: z
      .boolean()
      .optional()
      .meta({ title: 'Enabled', description: 'A schedule ticks only when enabled' }),
  }),
  trigger: true,
  plainParams: 'all',
  step: false,
  outputs: () => [{ id: 'out', label: 'Tick' }],
  summary: (params) => `${params.cron}${params.timezone ? ` (${params.timezone})` : ''}`,
  emit: (params, emit) => `graph.trigger('schedule', ${emit.literal(params)})`,
  read: (body, read) => readTrigger('schedule', body, read),
};
