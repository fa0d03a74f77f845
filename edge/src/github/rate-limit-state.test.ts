import { describe, expect, it } from 'vitest';
import {
  CONTENT_WRITES_PER_MINUTE,
  createRateLimitState,
  nextAllowedAt,
  observeResponse,
  parseRateLimitState,
  recordRequest,
  type RateLimitState,
  type ResponseSignal,
} from './rate-limit-state.ts';

const NOW = Date.UTC(2026, 10, 22, 6, 0, 0);
const ok: ResponseSignal = { status: 200, remaining: '4999', reset: String(NOW / 1000 + 3600), retryAfter: null, message: null };

function signal(over: Partial<ResponseSignal>): ResponseSignal {
  return { ...ok, ...over };
}

describe('observeResponse', () => {
  it.each([
    ['403 with retry-after', signal({ status: 403, retryAfter: '30', message: 'You have exceeded a secondary rate limit' }), { scope: 'secondary', until: NOW + 30_000 }],
    ['429 with retry-after', signal({ status: 429, retryAfter: '5' }), { scope: 'secondary', until: NOW + 5_000 }],
    ['403 with remaining 0', signal({ status: 403, remaining: '0', reset: String(NOW / 1000 + 120), message: 'API rate limit exceeded' }), { scope: 'primary', until: NOW + 120_000 }],
    ['secondary message without retry-after', signal({ status: 403, message: 'You have exceeded a secondary rate limit. Please wait a few minutes' }), { scope: 'secondary', until: NOW + 60_000 }],
    ['bare 429', signal({ status: 429 }), { scope: 'secondary', until: NOW + 60_000 }],
    ['403 without a limit (missing permission)', signal({ status: 403, message: 'Resource not accessible by integration' }), null],
    ['404', signal({ status: 404, message: 'Not Found' }), null],
    ['200', ok, null],
  ])('%s', (_name, s, hit) => {
    expect(observeResponse(createRateLimitState(), s, NOW).hit).toEqual(hit);
  });

  it('a successful response with remaining 0 blocks the next request until reset, without a hit', () => {
    const seen = observeResponse(createRateLimitState(), signal({ remaining: '0', reset: String(NOW / 1000 + 90) }), NOW);
    expect(seen.hit).toBeNull();
    expect(nextAllowedAt(seen.state, 'read', NOW)).toBe(NOW + 90_000);
    expect(nextAllowedAt(seen.state, 'read', NOW + 90_000)).toBe(NOW + 90_000);
  });

  it('backs off exponentially on repeated secondary limits without retry-after, and resets after a success', () => {
    const limited = signal({ status: 403, message: 'secondary rate limit' });
    let state = createRateLimitState();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const seen = observeResponse(state, limited, NOW);
      state = seen.state;
      delays.push((seen.hit?.until ?? NOW) - NOW);
    }
    expect(delays).toEqual([60_000, 120_000, 240_000, 480_000, 960_000, 960_000]);
    state = observeResponse(state, ok, NOW).state;
    expect(observeResponse(state, limited, NOW).hit?.until).toBe(NOW + 60_000);
  });

  it('a retry-after limit blocks reads and writes until it passes', () => {
    const { state } = observeResponse(createRateLimitState(), signal({ status: 429, retryAfter: '2' }), NOW);
    expect(nextAllowedAt(state, 'read', NOW)).toBe(NOW + 2000);
    expect(nextAllowedAt(state, 'write', NOW + 1000)).toBe(NOW + 2000);
    expect(nextAllowedAt(state, 'write', NOW + 2500)).toBe(NOW + 2500);
  });
});

describe('content-write budget', () => {
  const fill = (n: number, spacingMs: number): RateLimitState => {
    let state = createRateLimitState();
    for (let i = 0; i < n; i++) {
      state = recordRequest(state, 'write', NOW + i * spacingMs);
    }
    return state;
  };

  it(`allows ${CONTENT_WRITES_PER_MINUTE} writes per minute, then waits for the oldest to leave the window`, () => {
    const at = NOW + 79 * 100;
    expect(nextAllowedAt(fill(79, 100), 'write', at)).toBe(at);
    const full = fill(80, 100);
    expect(nextAllowedAt(full, 'write', at)).toBe(NOW + 60_000);
    // Reads do not count against the content budget.
    expect(nextAllowedAt(full, 'read', at)).toBe(at);
  });

  it('forgets writes older than a minute', () => {
    const state = recordRequest(fill(80, 100), 'write', NOW + 61_000);
    expect(state.writes.length).toBeLessThan(80);
    expect(nextAllowedAt(state, 'write', NOW + 61_000)).toBe(NOW + 61_000);
  });

  it('reads are not recorded', () => {
    expect(recordRequest(createRateLimitState(), 'read', NOW).writes).toEqual([]);
  });
});

describe('parseRateLimitState', () => {
  it.each([[null], ['x'], [{ primaryUntil: 'soon' }]])('treats %j as no limits', (raw) => {
    expect(nextAllowedAt(parseRateLimitState(raw), 'write', NOW)).toBe(NOW);
  });

  it('round-trips a stored state', () => {
    const { state } = observeResponse(createRateLimitState(), signal({ status: 429, retryAfter: '7' }), NOW);
    expect(parseRateLimitState(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });
});
