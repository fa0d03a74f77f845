/**
 * Queue depth and wait time over time, for the console's charts (docs/domain.md
 * §8.3). Pure: the edge reads each run's waiting interval (created → started,
 * or → finished for a run that never started) and buckets them here.
 */
export interface WaitInterval {
  createdAt: number;
  /** When it started running; null while it has not. */
  startedAt: number | null;
  /** When it finished; null while it has not. */
  finishedAt: number | null;
}

export interface QueueBucket {
  /** Bucket end, epoch ms. */
  at: number;
  /** Runs waiting at `at`. */
  waiting: number;
  /** Runs that started within the bucket. */
  started: number;
  /** Mean wait of those, ms; null when none started. */
  meanWaitMs: number | null;
  /** Longest wait of those, ms; null when none started. */
  maxWaitMs: number | null;
}

/** Buckets of `bucketMs` from `from` to `to` (at most 1,000 of them). */
export function queueSeries(runs: readonly WaitInterval[], from: number, to: number, bucketMs: number): QueueBucket[] {
  const count = Math.min(1000, Math.max(1, Math.ceil((to - from) / bucketMs)));
  const buckets: QueueBucket[] = Array.from({ length: count }, (_, i) => ({ at: from + (i + 1) * bucketMs, waiting: 0, started: 0, meanWaitMs: null, maxWaitMs: null }));
  const sums = Array.from({ length: count }, () => 0);
  for (const run of runs) {
    const waitEnd = run.startedAt ?? run.finishedAt ?? Number.POSITIVE_INFINITY;
    for (const bucket of buckets) {
      if (run.createdAt <= bucket.at && waitEnd > bucket.at) {
        bucket.waiting += 1;
      }
    }
    if (run.startedAt !== null && run.startedAt > from && run.startedAt <= from + count * bucketMs) {
      const i = Math.min(count - 1, Math.floor((run.startedAt - from - 1) / bucketMs));
      const bucket = buckets[i];
      if (bucket !== undefined) {
        const wait = run.startedAt - run.createdAt;
        bucket.started += 1;
        sums[i] = (sums[i] ?? 0) + wait;
        bucket.maxWaitMs = Math.max(bucket.maxWaitMs ?? 0, wait);
      }
    }
  }
  buckets.forEach((b, i) => {
    b.meanWaitMs = b.started === 0 ? null : Math.round((sums[i] ?? 0) / b.started);
  });
  return buckets;
}
