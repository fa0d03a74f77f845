/**
 * Reconnect backoff: exponential with jitter, pure (the random source is
 * injected). 500 ms doubling up to 30 s, each delay moved by up to ±20 % so a
 * fleet of agents does not reconnect in lock-step after an edge deploy.
 */

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of the delay added or removed at random (0.2 = ±20 %). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 });

/**
 * Delay before retry number `attempt` (0-based). `random` returns [0, 1).
 * @example backoffDelay(0, () => 0.5) === 500; backoffDelay(10, () => 0.5) === 30000
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, Math.floor(attempt));
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  const spread = policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base * (1 + spread)));
}

export interface Backoff {
  /** The next delay; each call moves one attempt further. */
  next(): number;
  /** After a success: the next failure starts from the initial delay again. */
  reset(): void;
  readonly attempts: number;
}

export function createBackoff(random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): Backoff {
  let attempts = 0;
  return {
    next() {
      const delay = backoffDelay(attempts, random, policy);
      attempts += 1;
      return delay;
    },
    reset() {
      attempts = 0;
    },
    get attempts() {
      return attempts;
    },
  };
}
