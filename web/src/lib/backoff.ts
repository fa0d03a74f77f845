/**
 * Reconnect schedule of the console socket (docs/domain.md §8.4): 600 ms
 * growing by ×1.8 up to 12 s, each delay spread by ±20 % so that
 * a fleet of consoles dropped by an edge deploy does not reconnect in lockstep.
 * The jitter applies after the cap, so the slowest retries land in 9.6–14.4 s.
 */

export const BACKOFF_INITIAL_MS = 600;
export const BACKOFF_MAX_MS = 12_000;
export const BACKOFF_FACTOR = 1.8;
export const BACKOFF_JITTER = 0.2;

/**
 * Delay before reconnect attempt `attempt` (0 for the first retry).
 * `random` returns a number in [0, 1), like `Math.random`; tests pass a constant.
 *
 * @example computeBackoffDelay(0, () => 0.5) // 600
 * @example computeBackoffDelay(10, () => 0.5) // 12000
 */
export function computeBackoffDelay(attempt: number, random: () => number): number {
  const steps = Math.max(0, Math.floor(attempt));
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * BACKOFF_FACTOR ** steps);
  const spread = (random() * 2 - 1) * BACKOFF_JITTER;
  return Math.round(base * (1 + spread));
}
