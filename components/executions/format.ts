/** "812 ms", "4.2 s", "3 min 5 s", "2 h 14 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function isEndedStatus(status: string): boolean {
  return status.startsWith('ENDED_');
}

/** The time between two ISO timestamps, or from `from` until `now` while unended (null: not known yet). */
export function elapsedMs(from: string | null, to: string | null, now: number | null): number | null {
  if (!from) return null;
  if (to) return new Date(to).getTime() - new Date(from).getTime();
  return now === null ? null : now - new Date(from).getTime();
}

/** Pretty JSON for people: two-space indent; undefined (no value at all) stays undefined. */
export function prettyJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(value, null, 2);
}
