import type { Metadata } from 'next';
import { ScheduleList } from '@/components/triggers/ScheduleList';

export const metadata: Metadata = { title: 'Schedules' };

export default function SchedulesPage() {
  return <ScheduleList />;
}
