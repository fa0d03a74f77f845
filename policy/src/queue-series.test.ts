import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queueSeries } from './queue-series.ts';

const M = 60_000;

describe('queueSeries', () => {
  it('counts a run as waiting from creation until it starts, and its wait in the bucket it started in', () => {
    const series = queueSeries([{ createdAt: 5 * M, startedAt: 25 * M, finishedAt: 30 * M }], 0, 30 * M, 10 * M);
    expect(series.map((b) => [b.at / M, b.waiting, b.started, b.meanWaitMs])).toEqual([
      [10, 1, 0, null],
      [20, 1, 0, null],
      [30, 0, 1, 20 * M],
    ]);
  });

  it('a run that never started waits until it finished, or still waits', () => {
    const series = queueSeries(
      [
        { createdAt: 0, startedAt: null, finishedAt: 15 * M },
        { createdAt: 0, startedAt: null, finishedAt: null },
      ],
      0,
      30 * M,
      10 * M,
    );
    expect(series.map((b) => b.waiting)).toEqual([2, 1, 1]);
  });

  it('mean and max of the waits that ended in a bucket', () => {
    const [b] = queueSeries(
      [
        { createdAt: 0, startedAt: 2 * M, finishedAt: null },
        { createdAt: 0, startedAt: 6 * M, finishedAt: null },
      ],
      0,
      10 * M,
      10 * M,
    );
    expect(b).toMatchObject({ started: 2, meanWaitMs: 4 * M, maxWaitMs: 6 * M });
  });

  it('every start inside the window lands in exactly one bucket', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ c: fc.integer({ min: 0, max: 100 }), w: fc.integer({ min: 1, max: 50 }) }), { maxLength: 30 }), (runs) => {
        const intervals = runs.map(({ c, w }) => ({ createdAt: c * M, startedAt: Math.min(c + w, 100) * M, finishedAt: null }));
        const series = queueSeries(intervals, 0, 100 * M, 10 * M);
        const inside = intervals.filter((r) => r.startedAt > 0).length;
        return series.reduce((n, b) => n + b.started, 0) === inside;
      }),
    );
  });
});
