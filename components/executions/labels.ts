import type { ExecutionStatus, ExecutionType } from '../../engine/store/database';

/**
 * What people read for the engine's codes. Every badge and filter of executions names statuses and
 * types through here; the REST API and the database keep the codes (a badge's title shows it).
 */
const STATUS_LABELS: Record<ExecutionStatus, string> = {
  PENDING: 'Queued',
  RUNNING: 'Running',
  WAITING: 'Waiting',
  PAUSED: 'Paused',
  ENDED_SUCCESS: 'Succeeded',
  ENDED_ERROR: 'Failed',
  ENDED_CANCELLED: 'Cancelled',
};

const TYPE_LABELS: Record<ExecutionType, string> = {
  FLOW: 'Flow',
  SCRIPT: 'Script',
  CONNECTION: 'Connection',
  SCHEDULE: 'Schedule',
  WEBHOOK: 'Webhook',
};

/** "Succeeded" for ENDED_SUCCESS; a code this build does not know shows as it is. */
export function statusLabel(status: string): string {
  return STATUS_LABELS[status as ExecutionStatus] ?? status;
}

/** "Connection" for CONNECTION; a code this build does not know shows as it is. */
export function typeLabel(type: string): string {
  return TYPE_LABELS[type as ExecutionType] ?? type;
}

/** What dev mode is, wherever it is offered or shown (Run in dev mode, the Mode filter, the badge). */
export const DEV_MODE_EXPLANATION =
  'Dev mode is a trial run: the same version runs, marked as not productive, and so are its children. ' +
  'The flow reads this.isProductive (false) to skip real side effects, and the Mode filter tells these runs apart.';
