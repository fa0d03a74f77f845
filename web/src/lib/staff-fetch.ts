/**
 * `fetch` for the staff API with the session rules of docs/domain.md §8.1:
 *
 *   call ──▶ 2xx/4xx/5xx ─────────────────────────────────────────────▶ answer
 *     │
 *     └─▶ 401 session_expired ─▶ POST /auth/refresh ─200─▶ call again once ─▶ answer
 *                                       │ 401/403
 *                                       ▼
 *                                  signed out (onSignedOut), the 401 is the answer
 *
 * - Every call goes with `credentials: 'same-origin'`; every state-changing
 *   one carries `X-CSRF-Token` read from the `stageline_csrf` cookie at send time.
 * - Concurrent expired calls share one in-flight refresh; a call that was sent
 *   before a refresh finished is just sent again, without refreshing twice.
 * - A 401 other than `session_expired` (no session, revoked, forged), or one
 *   after the retry, means the person must sign in again.
 * - A refresh that fails for another reason (network, 5xx) keeps the session:
 *   the caller gets the 401 and the next call tries again.
 */
import { ApiError, globalFetch, readJson, toApiError, type FetchLike } from './api.ts';
import { CSRF_HEADER, isSafeMethod, readCsrfToken } from './csrf-token.ts';
import type { Logger } from './log.ts';

export const REFRESH_PATH = '/auth/refresh';
export const SESSION_EXPIRED = 'session_expired';

/** `refreshed`: new cookies are set; `signed_out`: sign in again; `failed`: try again later. */
export type RefreshOutcome = 'refreshed' | 'signed_out' | 'failed';

export type StaffFetchOptions = {
  /** Called (possibly more than once) when the session is gone for good. */
  onSignedOut: () => void;
  log?: Logger;
  /** Injected in tests; defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Injected in tests; defaults to `document.cookie`. */
  readCookie?: () => string;
};

export type StaffFetch = FetchLike & {
  /** Refreshes the session now, sharing a refresh already in flight. */
  refresh(): Promise<RefreshOutcome>;
};

export function createStaffFetch(options: StaffFetchOptions): StaffFetch {
  const doFetch = options.fetch ?? globalFetch;
  const readCookie = options.readCookie ?? (() => document.cookie);
  let inFlight: Promise<RefreshOutcome> | null = null;
  /** Bumped by every successful refresh; a call sent under an older one only needs a resend. */
  let generation = 0;

  function send(input: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('accept')) {
      headers.set('accept', 'application/json');
    }
    if (!isSafeMethod(init.method)) {
      const token = readCsrfToken(readCookie());
      if (token !== null) {
        headers.set(CSRF_HEADER, token);
      }
    }
    return doFetch(input, { ...init, headers, credentials: 'same-origin' });
  }

  async function runRefresh(): Promise<RefreshOutcome> {
    let response: Response;
    try {
      response = await send(REFRESH_PATH, { method: 'POST' });
    } catch (error) {
      options.log?.warn('session refresh failed', { error: String(error) });
      return 'failed';
    }
    if (response.ok) {
      generation += 1;
      return 'refreshed';
    }
    if (response.status === 401 || response.status === 403) {
      const error = toApiError(response.status, await readJson(response));
      options.log?.info('session ended', { status: response.status, code: error.code });
      options.onSignedOut();
      return 'signed_out';
    }
    options.log?.warn('session refresh failed', { status: response.status });
    return 'failed';
  }

  function refresh(): Promise<RefreshOutcome> {
    inFlight ??= runRefresh().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  async function staffFetch(input: string, init?: RequestInit): Promise<Response> {
    const sentUnder = generation;
    const first = await send(input, init);
    if (first.status !== 401) {
      return first;
    }
    if ((await errorCodeOf(first)) !== SESSION_EXPIRED) {
      options.onSignedOut();
      return first;
    }
    // Another call refreshed while this one was on the wire: its cookies are already new.
    const outcome = generation === sentUnder ? await refresh() : 'refreshed';
    if (outcome !== 'refreshed') {
      return first;
    }
    const second = await send(input, init);
    if (second.status === 401) {
      options.onSignedOut();
    }
    return second;
  }

  return Object.assign(staffFetch, { refresh });
}

/** The error code of a failed answer, read from a copy so the caller can still read the body. */
async function errorCodeOf(response: Response): Promise<string> {
  try {
    return toApiError(response.status, await readJson(response.clone())).code;
  } catch (error) {
    return error instanceof ApiError ? error.code : 'unavailable';
  }
}
