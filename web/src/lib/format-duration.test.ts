import { describe, expect, it } from 'vitest';
import { formatDuration } from './format-duration.ts';

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [999, '0 s'],
    [42_000, '42 s'],
    [60_000, '1 min'],
    [61_000, '1 min 1 s'],
    [12 * 60_000 + 30_000, '12 min 30 s'],
    [3_600_000, '1 h'],
    [3_900_000, '1 h 5 min'],
    [86_400_000 + 30_000, '1 d'],
    [2 * 86_400_000 + 4 * 3_600_000 + 59_000, '2 d 4 h'],
    [-1, '—'],
    [Number.NaN, '—'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
