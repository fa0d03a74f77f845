// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { formatRelativeTime } from './format-relative-time.ts';

const now = new Date('2026-03-01T12:00:00.000Z');

describe('formatRelativeTime', () => {
  it.each([
    ['2026-03-01T11:59:30.000Z', 'just now'],
    ['2026-03-01T11:59:10.000Z', '1 min. ago'],
    ['2026-03-01T11:55:00.000Z', '5 min. ago'],
    ['2026-03-01T09:00:00.000Z', '3 hr. ago'],
    ['2026-02-26T12:00:00.000Z', '3 days ago'],
    ['2026-03-01T12:10:00.000Z', 'in 10 min.'],
    ['not a date', '—'],
  ])('%s → %s', (iso, expected) => {
    expect(formatRelativeTime(iso, now)).toBe(expected);
  });
});
