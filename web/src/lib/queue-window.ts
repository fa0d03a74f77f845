/**
 * The wait queue chart's time window (docs/domain.md §8.3), kept in the
 * page's query string (`/queue?window=7d`) so a reload or a shared link shows
 * the same chart. The default, 24 h, has no key.
 *
 * Each window asks the history endpoint (`GET /api/v1/staff/queue/history`,
 * §8.2) for `hours` and `bucket_minutes`. The edge refuses more than 1000
 * buckets (edge/src/routes/staff-ops.ts); these give 72, 96 and 168, enough
 * points for a 1280 px chart without a bar per pixel.
 */
import type { QueryValues } from './run-filter.ts';

export type QueueWindowKey = '6h' | '24h' | '7d';

export type QueueWindow = {
  readonly key: QueueWindowKey;
  /** What the buttons and the chart's title say. */
  readonly label: string;
  readonly hours: number;
  readonly bucketMinutes: number;
};

const DAY: QueueWindow = { key: '24h', label: '24 h', hours: 24, bucketMinutes: 15 };

export const QUEUE_WINDOWS: readonly QueueWindow[] = [
  { key: '6h', label: '6 h', hours: 6, bucketMinutes: 5 },
  DAY,
  { key: '7d', label: '7 d', hours: 168, bucketMinutes: 60 },
];

export const DEFAULT_QUEUE_WINDOW: QueueWindow = DAY;

/** The window named by `?window=`; the default for none or an unknown one. */
export function parseQueueWindow(query: QueryValues): QueueWindow {
  const raw = query['window'];
  const key = typeof raw === 'string' ? raw : raw?.[0];
  return QUEUE_WINDOWS.find((window) => window.key === key) ?? DEFAULT_QUEUE_WINDOW;
}

/** The query for `setSearchParams`; the default leaves the address without the key. */
export function toQueueWindowQuery(window: QueueWindow): { window: QueueWindowKey | undefined } {
  return { window: window.key === DEFAULT_QUEUE_WINDOW.key ? undefined : window.key };
}
