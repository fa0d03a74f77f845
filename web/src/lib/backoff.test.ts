// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_MS, computeBackoffDelay } from './backoff.ts';

const middle = () => 0.5; // no jitter
const lowest = () => 0; // -20 %
const highest = () => 0.999_999; // just under +20 %

describe('computeBackoffDelay', () => {
  it.each([
    [0, 600],
    [1, 1080],
    [2, 1944],
    [3, 3499],
    [4, 6299],
    [5, 11_337],
    [6, 12_000],
    [20, 12_000],
  ])('attempt %i without jitter waits %i ms (600 ms × 1.8ⁿ, capped at 12 s)', (attempt, expected) => {
    expect(computeBackoffDelay(attempt, middle)).toBe(expected);
  });

  it('spreads each delay by ±20 %', () => {
    expect(computeBackoffDelay(0, lowest)).toBe(480);
    expect(computeBackoffDelay(0, highest)).toBe(720);
    expect(computeBackoffDelay(30, lowest)).toBe(BACKOFF_MAX_MS * 0.8);
    expect(computeBackoffDelay(30, highest)).toBe(BACKOFF_MAX_MS * 1.2);
  });

  it('grows monotonically up to the cap for a fixed random value', () => {
    const delays = Array.from({ length: 10 }, (_, attempt) => computeBackoffDelay(attempt, middle));
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(Math.max(...delays)).toBe(BACKOFF_MAX_MS);
  });

  it('treats negative or fractional attempts as whole steps from zero', () => {
    expect(computeBackoffDelay(-3, middle)).toBe(600);
    expect(computeBackoffDelay(1.7, middle)).toBe(1080);
  });
});
