/**
 * "3 min ago" style labels for the runs table. `now` is passed in so the table
 * can tick on one shared clock and tests stay deterministic.
 */
const UNITS: readonly { unit: Intl.RelativeTimeFormatUnit; seconds: number }[] = [
  { unit: 'day', seconds: 86_400 },
  { unit: 'hour', seconds: 3_600 },
  { unit: 'minute', seconds: 60 },
];

const formatter = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });

/**
 * @example formatRelativeTime('2026-01-01T00:00:00Z', new Date('2026-01-01T00:05:00Z')) // '5 min. ago'
 */
export function formatRelativeTime(iso: string, now: Date): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) {
    return '—';
  }
  const seconds = Math.round((then - now.getTime()) / 1000);
  if (Math.abs(seconds) < 45) {
    return 'just now';
  }
  for (const { unit, seconds: size } of UNITS) {
    if (Math.abs(seconds) >= size) {
      return formatter.format(Math.trunc(seconds / size), unit);
    }
  }
  return formatter.format(Math.sign(seconds), 'minute');
}
