import { describe, expect, it } from 'vitest';
import { backoffDelay, createBackoff, DEFAULT_BACKOFF } from './backoff.ts';

const middle = () => 0.5;

describe('backoffDelay', () => {
  it.each([
    [0, 500],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [5, 16000],
    [6, 30000],
    [20, 30000],
  ])('attempt %i without jitter waits %i ms', (attempt, want) => {
    expect(backoffDelay(attempt, middle)).toBe(want);
  });

  it.each([
    [0, 400, 600],
    [3, 3200, 4800],
    [10, 24000, 36000],
  ])('attempt %i stays within ±20 %% (%i..%i)', (attempt, low, high) => {
    expect(backoffDelay(attempt, () => 0)).toBe(low);
    expect(backoffDelay(attempt, () => 0.999999)).toBeLessThanOrEqual(high);
    expect(backoffDelay(attempt, () => 0.999999)).toBeGreaterThan(high - 1);
  });

  it('treats negative and fractional attempts as whole attempts from 0', () => {
    expect(backoffDelay(-3, middle)).toBe(500);
    expect(backoffDelay(1.7, middle)).toBe(1000);
  });

  it('uses the documented defaults', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 });
  });
});

describe('createBackoff', () => {
  it('walks the schedule and starts over after reset', () => {
    const backoff = createBackoff(middle);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([500, 1000, 2000]);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });

  it('accepts another policy', () => {
    const backoff = createBackoff(middle, { initialMs: 10, maxMs: 25, factor: 3, jitter: 0 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([10, 25, 25]);
  });
});
