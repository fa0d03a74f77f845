import { describe, expect, it } from 'vitest';
import { makeQueueHistory } from '../../test/fixtures/make-ops.ts';
import type { QueueBucketView } from './ops-api.ts';
import { summarizeQueueHistory, toQueueChartData } from './queue-chart-data.ts';

describe('toQueueChartData', () => {
  it('aligns bucket ends in seconds with depth and mean wait in minutes, gaps where nothing started', () => {
    const history = makeQueueHistory(3, (i) => [
      { waiting: 2, started: 0, mean_wait_ms: null },
      { waiting: 5, started: 2, mean_wait_ms: 90_000, max_wait_ms: 120_000 },
      { waiting: 1, started: 1, mean_wait_ms: 200_000, max_wait_ms: 200_000 },
    ][i] ?? {}, { to: '2026-03-01T12:00:00.000Z' });
    const end = Date.parse('2026-03-01T12:00:00.000Z') / 1000;
    expect(toQueueChartData(history)).toEqual({
      xs: [end - 1800, end - 900, end],
      waiting: [2, 5, 1],
      meanWaitMinutes: [null, 1.5, 3.3],
    });
  });

  it('orders buckets by time and drops ones with an unreadable time', () => {
    const history = makeQueueHistory(2, (i) => ({ waiting: i + 1 }));
    const [first, second] = history.buckets as [QueueBucketView, QueueBucketView];
    const shuffled = { ...history, buckets: [second, { ...first, at: 'soon' }, first] };
    expect(toQueueChartData(shuffled).waiting).toEqual([1, 2]);
  });

  it('is empty for an empty history', () => {
    expect(toQueueChartData(makeQueueHistory(0))).toEqual({ xs: [], waiting: [], meanWaitMinutes: [] });
  });
});

describe('summarizeQueueHistory', () => {
  it('gives depth now and at peak, and the mean wait weighted by runs started', () => {
    const history = makeQueueHistory(3, (i) => [
      { waiting: 4, started: 1, mean_wait_ms: 60_000, max_wait_ms: 60_000 },
      { waiting: 9, started: 3, mean_wait_ms: 180_000, max_wait_ms: 600_000 },
      { waiting: 2, started: 0 },
    ][i] ?? {});
    expect(summarizeQueueHistory(history)).toEqual({ waitingNow: 2, peakWaiting: 9, started: 4, meanWaitMs: 150_000, longestWaitMs: 600_000 });
  });

  it('has no mean or longest wait when nothing started', () => {
    expect(summarizeQueueHistory(makeQueueHistory(4, () => ({ waiting: 1 })))).toEqual({
      waitingNow: 1,
      peakWaiting: 1,
      started: 0,
      meanWaitMs: null,
      longestWaitMs: null,
    });
  });
});
