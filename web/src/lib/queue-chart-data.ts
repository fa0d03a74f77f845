/**
 * The queue history (`GET /api/v1/staff/queue/history`) shaped for the wait
 * queue's chart: uPlot wants one x array (seconds) and one y array per series,
 * aligned; a bucket in which no run started has no mean wait (a gap, not 0).
 * The summary is the chart in words, for the line under it and screen readers.
 */
import type { QueueHistory } from './ops-api.ts';

export type QueueChartData = {
  /** Bucket ends, epoch seconds (uPlot's time scale). */
  xs: number[];
  /** Runs waiting at each bucket's end. */
  waiting: number[];
  /** Mean wait of the runs that started in the bucket, minutes; `null` when none started. */
  meanWaitMinutes: (number | null)[];
};

export type QueueSummary = {
  /** Runs waiting at the end of the newest bucket. */
  waitingNow: number;
  peakWaiting: number;
  /** Runs that started over the whole range. */
  started: number;
  /** Mean wait of every run that started, weighted by bucket; `null` when none did. */
  meanWaitMs: number | null;
  longestWaitMs: number | null;
};

export function toQueueChartData(history: QueueHistory): QueueChartData {
  const buckets = history.buckets
    .map((bucket) => ({ ...bucket, x: Date.parse(bucket.at) / 1000 }))
    .filter((bucket) => Number.isFinite(bucket.x))
    .sort((a, b) => a.x - b.x);
  return {
    xs: buckets.map((bucket) => bucket.x),
    waiting: buckets.map((bucket) => bucket.waiting),
    meanWaitMinutes: buckets.map((bucket) => (bucket.mean_wait_ms === null ? null : round(bucket.mean_wait_ms / 60_000, 1))),
  };
}

export function summarizeQueueHistory(history: QueueHistory): QueueSummary {
  let started = 0;
  let waitSum = 0;
  let longest: number | null = null;
  let peak = 0;
  for (const bucket of history.buckets) {
    peak = Math.max(peak, bucket.waiting);
    if (bucket.mean_wait_ms !== null && bucket.started > 0) {
      started += bucket.started;
      waitSum += bucket.mean_wait_ms * bucket.started;
    }
    if (bucket.max_wait_ms !== null) {
      longest = Math.max(longest ?? 0, bucket.max_wait_ms);
    }
  }
  const newest = history.buckets.reduce<QueueHistory['buckets'][number] | null>(
    (latest, bucket) => (latest === null || Date.parse(bucket.at) > Date.parse(latest.at) ? bucket : latest),
    null,
  );
  return {
    waitingNow: newest?.waiting ?? 0,
    peakWaiting: peak,
    started,
    meanWaitMs: started === 0 ? null : Math.round(waitSum / started),
    longestWaitMs: longest,
  };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
