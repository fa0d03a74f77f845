import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_WINDOW, parseQueueWindow, QUEUE_WINDOWS, toQueueWindowQuery } from './queue-window.ts';

describe('parseQueueWindow', () => {
  it.each([
    [{}, '24h'],
    [{ window: '6h' }, '6h'],
    [{ window: '24h' }, '24h'],
    [{ window: '7d' }, '7d'],
    [{ window: ['7d', '6h'] }, '7d'],
    [{ window: '30d' }, '24h'],
    [{ window: '' }, '24h'],
  ])('%j → %s', (query, key) => {
    expect(parseQueueWindow(query).key).toBe(key);
  });
});

describe('QUEUE_WINDOWS', () => {
  it('stays inside the edge’s limits: hours 1..168, at most 1000 whole buckets', () => {
    for (const window of QUEUE_WINDOWS) {
      expect(window.hours).toBeGreaterThanOrEqual(1);
      expect(window.hours).toBeLessThanOrEqual(168);
      expect((window.hours * 60) % window.bucketMinutes).toBe(0);
      expect((window.hours * 60) / window.bucketMinutes).toBeLessThanOrEqual(1000);
    }
    expect(QUEUE_WINDOWS.map((window) => [window.hours, window.bucketMinutes])).toEqual([
      [6, 5],
      [24, 15],
      [168, 60],
    ]);
  });

  it('has the default among them', () => {
    expect(QUEUE_WINDOWS).toContainEqual(DEFAULT_QUEUE_WINDOW);
  });
});

describe('toQueueWindowQuery', () => {
  it('names a window other than the default, and reads back what it writes', () => {
    for (const window of QUEUE_WINDOWS) {
      expect(parseQueueWindow(toQueueWindowQuery(window))).toEqual(window);
    }
    expect(toQueueWindowQuery(DEFAULT_QUEUE_WINDOW)).toEqual({ window: undefined });
    expect(toQueueWindowQuery({ key: '7d', label: '7 d', hours: 168, bucketMinutes: 60 })).toEqual({ window: '7d' });
  });
});
