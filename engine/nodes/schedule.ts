import { z } from 'zod';
import { cronProblem, timeZoneProblem } from '../schedules/cron';
import { readTrigger } from './trigger';
import type { NodeType } from './types';

export type ScheduleParams = {
  cron: string;
  timezone?: string;
  overlap?: 'skip' | 'allow';
  catch_up?: 'none' | 'last';
  enabled?: boolean;
};

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
      .meta({
        title: 'Cron',
        description: 'e.g. 0 9 * * MON-FRI (9:00 on weekdays); 6 fields: seconds first',
      }),
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
    catch_up: z.enum(['none', 'last']).optional().meta({
      title: 'Missed ticks',
      description:
        'none (default): a tick missed while Flowline was down is not run late; last: run the last one once',
    }),
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
