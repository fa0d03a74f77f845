/**
 * Who is using the console (docs/domain.md §8.1):
 *
 *   loading ──GET /me 200──▶ signed_in ──sign out / refresh refused / 401──▶ signed_out
 *      │                                                                       ▲
 *      ├──401──────────────────────────────────────────────────────────────────┘
 *      └──other failure──▶ failed (retry with load())
 *
 * Every staff call goes through `staffFetch`, which refreshes an expired
 * session on its own and reports a session that is gone for good here.
 */
import { createSignal, type Accessor } from 'solid-js';
import { ApiError, globalFetch, type FetchLike } from './api.ts';
import type { Logger } from './log.ts';
import { createStaffFetch, type StaffFetch } from './staff-fetch.ts';
import { fetchMe, type Me } from './staff-me.ts';

export const LOGOUT_PATH = '/auth/logout';

export type SessionState =
  | { kind: 'loading' }
  | { kind: 'signed_out'; signInError: string | null }
  | { kind: 'signed_in'; me: Me }
  | { kind: 'failed'; message: string };

export type Session = {
  readonly state: Accessor<SessionState>;
  /** The staff API's fetch: CSRF header, refresh on `session_expired`, sign-out on a dead session. */
  readonly staffFetch: StaffFetch;
  /** Asks the edge who is signed in. */
  load(): Promise<void>;
  /**
   * Checks the session once more (a realtime socket was refused, or closed
   * because the person's access ended): an expired one is refreshed, a dead
   * one signs out, and changed roles (a project taken away) replace `me`, so
   * the console follows only the projects it still may. Calls made while one
   * runs share it.
   */
  verify(): Promise<void>;
  /** `POST /auth/logout`; throws `ApiError` when the edge did not confirm it. */
  signOut(): Promise<void>;
};

export type SessionOptions = {
  log: Logger;
  /** From `?signin_error=`, shown on the sign-in screen until the next sign-in. */
  signInError?: string | null;
  fetch?: FetchLike;
  readCookie?: () => string;
};

export function createSession(options: SessionOptions): Session {
  const log = options.log;
  const [state, setState] = createSignal<SessionState>({ kind: 'loading' });
  let signInError = options.signInError ?? null;
  let verifying: Promise<void> | null = null;

  function markSignedOut(): void {
    if (state().kind !== 'signed_out') {
      setState({ kind: 'signed_out', signInError });
      signInError = null;
    }
  }

  const staffFetch = createStaffFetch({
    fetch: options.fetch ?? globalFetch,
    readCookie: options.readCookie,
    log: log.with({ component: 'session' }),
    onSignedOut: markSignedOut,
  });

  async function load(): Promise<void> {
    if (state().kind !== 'signed_in') {
      setState({ kind: 'loading' });
    }
    try {
      const me = await fetchMe({ fetch: staffFetch });
      signInError = null;
      setState({ kind: 'signed_in', me });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        markSignedOut();
        return;
      }
      log.warn('loading the signed-in person failed', { error: String(error) });
      setState({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }

  function verify(): Promise<void> {
    verifying ??= fetchMe({ fetch: staffFetch })
      .then(
        (me) => {
          const current = state();
          if (current.kind === 'signed_in' && rolesOf(current.me) !== rolesOf(me)) {
            log.info('roles changed: following the projects the person still has');
            setState({ kind: 'signed_in', me });
          }
        },
        (error: unknown) => {
          // A 401 has already signed out (staffFetch); anything else is an outage the socket retries through.
          log.debug('session check failed', { error: String(error) });
        },
      )
      .finally(() => {
        verifying = null;
      });
    return verifying;
  }

  async function signOut(): Promise<void> {
    const response = await staffFetch(LOGOUT_PATH, { method: 'POST' });
    if (!response.ok && response.status !== 401) {
      throw new ApiError(response.status, 'unavailable', `Signing out failed (HTTP ${response.status})`);
    }
    log.info('signed out');
    markSignedOut();
  }

  return { state, staffFetch, load, verify, signOut };
}

/** What the console's channels depend on: platform admin or not, and each project with its role. */
function rolesOf(me: Me): string {
  return JSON.stringify([me.platform_admin, me.projects.map((p) => `${p.id}:${p.role}`).sort()]);
}
