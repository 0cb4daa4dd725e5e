import { z } from 'zod';
import { setTriggerEnabled } from '../../engine/flows/graph-flows';
import { NODE_ID_PATTERN } from '../../engine/graph/model';
import { WEBHOOK_METHODS, type WebhookParams } from '../../engine/nodes/webhook';
import { nextFireTimes } from '../../engine/schedules/cron';
import type { Db } from '../../engine/store/db';
import { lastTicks, listSchedules } from '../../engine/store/schedules';
import { lastTriggerRuns, listWebhooks } from '../../engine/store/triggers';
import { nameInput } from '../inputs';
import { protectedProcedure, router } from '../trpc';

/** How many upcoming and past runs each trigger shows. */
const NEXT_RUNS = 5;
const LAST_RUNS = 8;

/** Every webhook with its URL path, state and last calls. Its key is a secret: only whether it has one. */
async function webhooksOverview(db: Db) {
  const hooks = await listWebhooks(db);
  const calls = await lastTriggerRuns(
    db,
    'WEBHOOK',
    hooks.map((hook) => hook.name),
    LAST_RUNS,
  );
  return hooks.map((hook) => {
    const params = hook.params as WebhookParams;
    return {
      name: hook.name,
      flow: hook.flow_name,
      nodeId: hook.node_id,
      path: `/api/latest/webhook/${hook.name}/call`,
      enabled: params.enabled ?? false,
      methods: params.methods ?? [...WEBHOOK_METHODS],
      keyed: params.key !== undefined,
      async: params.async ?? false,
      productive: params.productive ?? true,
      lastCalls: calls.filter((call) => call.trigger_id === hook.name),
    };
  });
}

/** The next runs; none for an expression that cannot be evaluated (a row older than today's validation). */
function upcomingRuns(cron: string, timezone: string, now: Date): Date[] {
  try {
    return nextFireTimes(cron, timezone, now, NEXT_RUNS);
  } catch {
    return [];
  }
}

/** Every schedule (or one flow's) with its next runs and its last ticks, whatever became of them. */
async function schedulesOverview(db: Db, flowName?: string) {
  const schedules = await listSchedules(db, { flowName });
  const ticks = await lastTicks(
    db,
    schedules.map((schedule) => schedule.id),
    LAST_RUNS,
  );
  const now = new Date();
  return schedules.map((schedule) => ({
    id: schedule.id,
    flow: schedule.flow_name,
    nodeId: schedule.node_id,
    cron: schedule.cron,
    timezone: schedule.timezone,
    overlap: schedule.overlap,
    catchUp: schedule.catch_up,
    enabled: schedule.enabled,
    nextRuns: schedule.enabled ? upcomingRuns(schedule.cron, schedule.timezone, now) : [],
    lastTicks: ticks
      .filter((tick) => tick.schedule_id === schedule.id)
      .map((tick) => ({
        fireAt: tick.fire_at,
        outcome: tick.outcome,
        reason: tick.reason,
        executionId: tick.execution_id,
        status: tick.status,
      })),
  }));
}

export const triggersRouter = router({
  webhooks: protectedProcedure.query(({ ctx }) => webhooksOverview(ctx.db)),
  schedules: protectedProcedure
    .input(z.object({ flow: nameInput.optional() }).optional())
    .query(({ ctx, input }) => schedulesOverview(ctx.db, input?.flow)),
  /** Turns a webhook or schedule node on or off: a new version of its flow. */
  setEnabled: protectedProcedure
    .input(
      z.object({
        flow: nameInput,
        node: z.string().max(64).regex(NODE_ID_PATTERN, 'must be a node id'),
        enabled: z.boolean(),
      }),
    )
    .mutation(({ ctx, input }) =>
      setTriggerEnabled(ctx.db, {
        flowName: input.flow,
        nodeId: input.node,
        enabled: input.enabled,
        userId: ctx.user.id,
      }),
    ),
});
