'use client';

import { useQuery } from '@tanstack/react-query';
import { cronProblem, DEFAULT_TIME_ZONE, nextFireTimes, timeZoneProblem } from '@/engine/schedules/cron';
import { useTRPC } from '../trpc';
import { TickList } from './TickList';
import styles from './triggers.module.css';

const NEXT_RUNS = 5;
const TICKS_REFRESH_MS = 5000;

function formatIn(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en', {
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZone,
    timeZoneName: 'short',
  }).format(date);
}

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * The next run times of a schedule, in its own zone and (when it differs) the browser's: computed by the
 * same code the schedule clock uses (engine/schedules/cron.ts), so what is shown is what runs.
 */
export function NextRuns({ times, timezone }: { times: readonly Date[]; timezone: string }) {
  const local = browserZone();
  if (times.length === 0) return <p className="muted">No upcoming runs.</p>;
  return (
    <ol className={styles.runs} data-testid="next-runs">
      {times.map((time) => (
        <li key={time.toISOString()}>
          <time dateTime={time.toISOString()}>{formatIn(time, timezone)}</time>
          {local !== timezone && (
            <span className={`muted ${styles.local}`}>{formatIn(time, local)} here</span>
          )}
        </li>
      ))}
    </ol>
  );
}

/**
 * A schedule node in the inspector: its next runs from its params as they are in the editor (saved or
 * not), and the last runs of the saved schedule.
 */
export function ScheduleNextRuns({
  params,
  flowName,
  nodeId,
}: {
  params: Record<string, unknown>;
  flowName: string;
  nodeId: string;
}) {
  const cron = typeof params.cron === 'string' ? params.cron : '';
  const timezone =
    typeof params.timezone === 'string' && params.timezone ? params.timezone : DEFAULT_TIME_ZONE;
  const problem =
    cron.trim() === '' ? 'no cron expression yet' : (cronProblem(cron) ?? timeZoneProblem(timezone));
  return (
    <div className="field" data-testid="schedule-next-runs">
      <label>Next runs{params.enabled === true ? '' : ' (once enabled)'}</label>
      {problem ? (
        <p className="muted">{problem}</p>
      ) : (
        <NextRuns times={nextFireTimes(cron, timezone, new Date(), NEXT_RUNS)} timezone={timezone} />
      )}
      {/^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+$/.test(cron.trim()) && (
        <p className="muted">6 fields: the first is seconds.</p>
      )}
      <label>Last runs</label>
      <SavedScheduleTicks flowName={flowName} nodeId={nodeId} />
    </div>
  );
}

function SavedScheduleTicks({ flowName, nodeId }: { flowName: string; nodeId: string }) {
  const trpc = useTRPC();
  const schedules = useQuery({
    ...trpc.triggers.schedules.queryOptions({ flow: flowName }),
    refetchInterval: TICKS_REFRESH_MS,
  });
  const saved = schedules.data?.find((schedule) => schedule.nodeId === nodeId);
  if (!schedules.data) return null;
  if (!saved) return <p className="muted">Not saved yet.</p>;
  return <TickList ticks={saved.lastTicks} />;
}
