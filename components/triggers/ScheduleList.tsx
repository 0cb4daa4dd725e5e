'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '../trpc';
import { EnabledSwitch } from './EnabledSwitch';
import { TRIGGER_PAGE_REFRESH_MS, TriggerPage } from './TriggerPage';
import { NextRuns } from './NextRuns';
import { TickList } from './TickList';

/** Every schedule node of every flow's current version: its timing, state, next runs and last ticks. */
export function ScheduleList() {
  const trpc = useTRPC();
  const schedules = useQuery({
    ...trpc.triggers.schedules.queryOptions(),
    refetchInterval: TRIGGER_PAGE_REFRESH_MS,
  });
  return (
    <TriggerPage
      title="Schedules"
      description={
        <>Flows that start on a cron schedule: each schedule node of a graph flow&apos;s current version.</>
      }
      query={schedules}
      noun="schedules"
      empty={{
        title: 'No schedules yet',
        body: (
          <>
            Add a <strong>Schedule</strong> node to a graph flow, give it a cron expression such as{' '}
            <code>0 9 * * MON-FRI</code> (9:00 on weekdays) and a time zone, enable it and save: each tick
            starts the flow with <code>{'{ scheduled_at, schedule }'}</code> as its input.
          </>
        ),
      }}
      columns={['Flow', 'Schedule', 'State', 'Next runs', 'Last runs']}
      row={(schedule) => (
        <tr key={schedule.id} data-testid="schedule-row">
          <td className="name-cell">
            <Link href={`/flows/${encodeURIComponent(schedule.flow)}`}>{schedule.flow}</Link>
            <div className="muted">node {schedule.nodeId}</div>
          </td>
          <td>
            <code>{schedule.cron}</code>
            <div className="muted">
              {schedule.timezone} · overlap {schedule.overlap} · missed ticks{' '}
              {schedule.catchUp === 'last' ? 'run the last one' : 'not run'}
            </div>
          </td>
          <td>
            <EnabledSwitch
              flow={schedule.flow}
              node={schedule.nodeId}
              enabled={schedule.enabled}
              label={`Schedule ${schedule.nodeId} of ${schedule.flow}`}
            />
          </td>
          <td>
            {schedule.enabled ? (
              <NextRuns times={schedule.nextRuns} timezone={schedule.timezone} />
            ) : (
              <span className="muted">Off</span>
            )}
          </td>
          <td>
            <TickList ticks={schedule.lastTicks} />
          </td>
        </tr>
      )}
    />
  );
}
