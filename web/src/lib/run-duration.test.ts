import { describe, expect, it } from 'vitest';
import { toRunDuration } from './run-duration.ts';

const now = new Date('2026-03-01T11:00:00.000Z');

describe('toRunDuration', () => {
  it('counts a running run up to now and a finished one to its end', () => {
    expect(toRunDuration({ status: 'running', started_at: '2026-03-01T10:30:00.000Z', finished_at: null, updated_at: '2026-03-01T10:59:00.000Z' }, now)).toEqual({
      ms: 30 * 60_000,
      running: true,
    });
    expect(
      toRunDuration({ status: 'succeeded', started_at: '2026-03-01T10:00:00.000Z', finished_at: '2026-03-01T10:12:30.000Z', updated_at: '2026-03-01T10:13:00.000Z' }, now),
    ).toEqual({ ms: 12.5 * 60_000, running: false });
  });

  it('has no duration before the run started; an old finished row without finished_at ends at its last update', () => {
    expect(toRunDuration({ status: 'pending', started_at: null, finished_at: null, updated_at: '2026-03-01T10:00:00.000Z' }, now)).toBeNull();
    expect(toRunDuration({ status: 'failed', started_at: '2026-03-01T10:00:00.000Z', finished_at: null, updated_at: '2026-03-01T10:01:00.000Z' }, now)?.ms).toBe(60_000);
  });
});
