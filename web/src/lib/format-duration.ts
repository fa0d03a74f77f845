/**
 * A duration in the two largest units that matter ("42 s", "12 min",
 * "3 h 5 min", "2 d 4 h"), for wait times.
 */
const UNITS: readonly { label: string; ms: number }[] = [
  { label: 'd', ms: 86_400_000 },
  { label: 'h', ms: 3_600_000 },
  { label: 'min', ms: 60_000 },
  { label: 's', ms: 1_000 },
];

/**
 * @example formatDuration(3_900_000) // '1 h 5 min'
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) {
    return '—';
  }
  const index = UNITS.findIndex((unit) => ms >= unit.ms);
  const largest = UNITS[index];
  if (largest === undefined) {
    return '0 s';
  }
  const count = Math.floor(ms / largest.ms);
  const next = UNITS[index + 1];
  const rest = next === undefined ? 0 : Math.floor((ms - count * largest.ms) / next.ms);
  return next === undefined || rest === 0 ? `${count} ${largest.label}` : `${count} ${largest.label} ${rest} ${next.label}`;
}
