/**
 * Seeded randomness for the fuzz suites (e2e/tests/fuzz-*.test.ts). Every
 * input is a pure function of (seed, index), so a failure printed as
 * `seed=… index=…` is replayed with `FUZZ_SEED=… FUZZ_ONLY=…`, and a whole
 * run with `FUZZ_SEED=…` alone.
 */

/** mulberry32: 32 bits of state, good enough spread for picking mutations. */
function mulberry32(state: number): () => number {
  let a = state | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mix seed and index so that neighbouring indexes get unrelated streams. */
function mix(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h;
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number, index: number) {
    this.next = mulberry32(mix(seed, index));
  }
  /** [0, 1) */
  float(): number {
    return this.next();
  }
  /** An integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) {
      throw new Error('pick from an empty list');
    }
    return item;
  }
  /** Pick by weight: `[[weight, value], …]`. */
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of items) {
      r -= w;
      if (r < 0) {
        return v;
      }
    }
    const last = items[items.length - 1];
    if (last === undefined) {
      throw new Error('weighted pick from an empty list');
    }
    return last[1];
  }
}

export interface FuzzSettings {
  seed: number;
  /** Inputs to generate (the suites' floor is 2,000). */
  count: number;
  /** Only these indexes (replay), or null for all. */
  only: Set<number> | null;
}

/** FUZZ_SEED (default: a fresh random seed, printed), FUZZ_COUNT, FUZZ_ONLY=3,17. */
export function fuzzSettings(defaultCount: number): FuzzSettings {
  const env = process.env;
  const seed = env.FUZZ_SEED !== undefined && env.FUZZ_SEED !== '' ? Number(env.FUZZ_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  const count = env.FUZZ_COUNT !== undefined && env.FUZZ_COUNT !== '' ? Number(env.FUZZ_COUNT) : defaultCount;
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(`FUZZ_COUNT must be a positive integer, got ${env.FUZZ_COUNT}`);
  }
  const only = env.FUZZ_ONLY ? new Set(env.FUZZ_ONLY.split(',').map((s) => Number(s.trim()))) : null;
  return { seed, count, only };
}

/** Unicode that has tripped storage and logging layers: NUL, lone surrogates, separators, joiners. */
export const NASTY_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\ud83dy',
  '\u2028\u2029',
  '\ufeff',
  '\u200b\u200d',
  '\u202e',
  'Ω≈ç√∫',
  '😀👩‍👩‍👧',
  'e\u0301\u0301\u0301',
  '\\u0000',
  '%00',
  "'; DROP TABLE webhook_deliveries; --",
  '${{ github.token }}',
  '\r\n\t',
  '',
] as const;

export const NASTY_NUMBERS = [0, -1, -0, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, 5e-324, 1.2345678901234568e29] as const;
