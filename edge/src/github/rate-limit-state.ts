/**
 * When may the next GitHub request of one installation go? Pure: data in,
 * data out, the clock (epoch ms) passed in. The GitHubOutbox persists this
 * state; the REST client feeds it every response it sees.
 *
 * GitHub's rules (docs "Rate limits for the REST API", "Best practices"):
 * - primary: `x-ratelimit-remaining: 0` → nothing until `x-ratelimit-reset`
 *   (epoch seconds);
 * - secondary: a 403/429 with `retry-after` → wait that many seconds; a
 *   "secondary rate limit" answer without it → wait at least one minute and
 *   back off exponentially while it keeps happening;
 * - content creation: at most 80 content-generating requests per minute
 *   (500 per hour) per installation. We budget 80 per sliding minute.
 */

export const CONTENT_WRITES_PER_MINUTE = 80;
export const WRITE_WINDOW_MS = 60_000;
export const SECONDARY_BACKOFF_BASE_MS = 60_000;
export const SECONDARY_BACKOFF_MAX_MS = 16 * 60_000;

export type RequestKind = 'read' | 'write';

export interface RateLimitState {
  /** Epoch ms before which no request may go (primary limit); 0 when clear. */
  primaryUntil: number;
  /** Epoch ms before which no request may go (secondary limit); 0 when clear. */
  secondaryUntil: number;
  /** Consecutive secondary limits without `retry-after`: the backoff exponent. */
  secondaryStrikes: number;
  /** Start times of content writes in the last minute, oldest first. */
  writes: number[];
}

/** What the client saw on one response; header values are raw strings or null. */
export interface ResponseSignal {
  status: number;
  remaining: string | null;
  reset: string | null;
  retryAfter: string | null;
  /** The `message` of an error body, when there was one. */
  message: string | null;
}

export type RateLimitHit = { scope: 'primary' | 'secondary'; until: number };

export function createRateLimitState(): RateLimitState {
  return { primaryUntil: 0, secondaryUntil: 0, secondaryStrikes: 0, writes: [] };
}

/** Writes older than the window no longer count against the budget. */
function liveWrites(writes: readonly number[], now: number): number[] {
  return writes.filter((t) => t > now - WRITE_WINDOW_MS);
}

/**
 * The earliest epoch ms at which a request of `kind` may start; `now` when it
 * may start right away.
 *
 * @example nextAllowedAt(createRateLimitState(), 'write', 1000) // 1000
 */
export function nextAllowedAt(state: RateLimitState, kind: RequestKind, now: number): number {
  let at = Math.max(now, state.primaryUntil, state.secondaryUntil);
  if (kind === 'write') {
    const writes = liveWrites(state.writes, now);
    if (writes.length >= CONTENT_WRITES_PER_MINUTE) {
      // The oldest write that must leave the window before one more fits.
      const blocking = writes[writes.length - CONTENT_WRITES_PER_MINUTE];
      if (blocking !== undefined) {
        at = Math.max(at, blocking + WRITE_WINDOW_MS);
      }
    }
  }
  return at;
}

/** Count a request that is starting now (only writes use the budget). */
export function recordRequest(state: RateLimitState, kind: RequestKind, now: number): RateLimitState {
  if (kind === 'read') {
    return state;
  }
  return { ...state, writes: [...liveWrites(state.writes, now), now] };
}

function parseSeconds(raw: string | null): number | null {
  if (raw === null || !/^\s*\d+(\.\d+)?\s*$/.test(raw)) {
    return null;
  }
  return Number(raw);
}

/** GitHub's wording for a secondary limit (older answers said "abuse detection"). */
export function isSecondaryLimitMessage(message: string | null): boolean {
  return message !== null && /secondary rate limit|abuse detection/i.test(message);
}

/**
 * Fold one response into the state. Returns the limit it hit, if any, so the
 * caller can retry the request at `until` instead of treating it as failed.
 */
export function observeResponse(state: RateLimitState, signal: ResponseSignal, now: number): { state: RateLimitState; hit: RateLimitHit | null } {
  const limited = signal.status === 403 || signal.status === 429;
  const retryAfter = parseSeconds(signal.retryAfter);
  const reset = parseSeconds(signal.reset);
  const exhausted = parseSeconds(signal.remaining) === 0 && reset !== null;

  if (limited && retryAfter !== null) {
    const until = now + Math.ceil(retryAfter * 1000);
    return { state: { ...state, secondaryUntil: Math.max(state.secondaryUntil, until), secondaryStrikes: 0 }, hit: { scope: 'secondary', until } };
  }
  if (exhausted && reset !== null) {
    // A successful response may also say "that was the last one": block the
    // next request, but the response itself is fine.
    const until = Math.max(now, reset * 1000);
    const next = { ...state, primaryUntil: Math.max(state.primaryUntil, until) };
    return limited ? { state: next, hit: { scope: 'primary', until } } : { state: next, hit: null };
  }
  if ((limited && isSecondaryLimitMessage(signal.message)) || signal.status === 429) {
    const delay = Math.min(SECONDARY_BACKOFF_BASE_MS * 2 ** state.secondaryStrikes, SECONDARY_BACKOFF_MAX_MS);
    const until = now + delay;
    return {
      state: { ...state, secondaryUntil: Math.max(state.secondaryUntil, until), secondaryStrikes: state.secondaryStrikes + 1 },
      hit: { scope: 'secondary', until },
    };
  }
  if (signal.status < 400 && state.secondaryStrikes !== 0) {
    return { state: { ...state, secondaryStrikes: 0 }, hit: null };
  }
  return { state, hit: null };
}

/** Storage may hold an older or foreign shape: anything malformed means "no limits known". */
export function parseRateLimitState(raw: unknown): RateLimitState {
  if (typeof raw !== 'object' || raw === null) {
    return createRateLimitState();
  }
  const r = raw as Record<string, unknown>;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const writes = Array.isArray(r.writes) ? r.writes.filter((v): v is number => typeof v === 'number') : [];
  return { primaryUntil: num(r.primaryUntil), secondaryUntil: num(r.secondaryUntil), secondaryStrikes: num(r.secondaryStrikes), writes };
}
