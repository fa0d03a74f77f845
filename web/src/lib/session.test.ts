// @vitest-environment happy-dom
import { createRoot } from 'solid-js';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FetchLike } from './api.ts';
import { createLogger } from './log.ts';
import { createSession, LOGOUT_PATH } from './session.ts';
import { ME_PATH } from './staff-me.ts';
import { REFRESH_PATH } from './staff-fetch.ts';

const ME = {
  login: 'octocat',
  name: 'The Octocat',
  avatar_url: null,
  platform_admin: false,
  projects: [{ id: 'p1', slug: 'acme', name: 'Acme', role: 'read_write' }],
};

function json(status: number, body: unknown): Response {
  return new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function setup(handle: (url: string, init?: RequestInit) => Response, signInError: string | null = null) {
  const urls: string[] = [];
  const fetch: FetchLike = (url, init) => {
    urls.push(`${init?.method ?? 'GET'} ${url}`);
    return Promise.resolve(handle(url, init));
  };
  return createRoot(() => ({
    urls,
    session: createSession({ log: createLogger(), fetch, readCookie: () => 'stageline_csrf=c1', signInError }),
  }));
}

beforeEach(() => {
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});

describe('createSession', () => {
  it('is signed in with the person the edge names', async () => {
    const { session } = setup(() => json(200, ME));
    expect(session.state().kind).toBe('loading');
    await session.load();
    expect(session.state()).toEqual({ kind: 'signed_in', me: ME });
  });

  it('is signed out on 401, carrying the sign-in error once', async () => {
    const { session } = setup(() => json(401, { error: { code: 'unauthorized', message: 'sign in first' } }), 'access_denied');
    await session.load();
    expect(session.state()).toEqual({ kind: 'signed_out', signInError: 'access_denied' });
  });

  it('refreshes an expired session transparently while loading', async () => {
    let refreshed = false;
    const { session, urls } = setup((url) => {
      if (url === REFRESH_PATH) {
        refreshed = true;
        return json(200, { expires_at: 'soon' });
      }
      return refreshed ? json(200, ME) : json(401, { error: { code: 'session_expired', message: 'expired' } });
    });
    await session.load();
    expect(session.state().kind).toBe('signed_in');
    expect(urls).toEqual([`GET ${ME_PATH}`, `POST ${REFRESH_PATH}`, `GET ${ME_PATH}`]);
  });

  it('goes to the signed-out state when a later call cannot refresh', async () => {
    let signedIn = true;
    const { session } = setup((url) => {
      if (url === REFRESH_PATH) {
        return json(401, { error: { code: 'unauthorized', message: 'the session has ended; sign in again' } });
      }
      return signedIn ? json(200, ME) : json(401, { error: { code: 'session_expired', message: 'expired' } });
    });
    await session.load();
    signedIn = false;
    const response = await session.staffFetch('/api/v1/staff/inbox');
    expect(response.status).toBe(401);
    expect(session.state()).toEqual({ kind: 'signed_out', signInError: null });
  });

  it('reports other failures as failed, and load() tries again', async () => {
    let up = false;
    const { session } = setup(() => (up ? json(200, ME) : json(503, { error: { code: 'unavailable', message: 'no database' } })));
    await session.load();
    expect(session.state()).toEqual({ kind: 'failed', message: 'no database' });
    up = true;
    await session.load();
    expect(session.state().kind).toBe('signed_in');
  });

  it('signs out with POST /auth/logout and the CSRF header', async () => {
    const headers: (string | null)[] = [];
    const { session, urls } = setup((url, init) => {
      if (url === LOGOUT_PATH) {
        headers.push(new Headers(init?.headers).get('x-csrf-token'));
        return json(204, null);
      }
      return json(200, ME);
    });
    await session.load();
    await session.signOut();
    expect(urls.at(-1)).toBe(`POST ${LOGOUT_PATH}`);
    expect(headers).toEqual(['c1']);
    expect(session.state()).toEqual({ kind: 'signed_out', signInError: null });
  });

  it('stays signed in and throws when the edge does not confirm the sign-out', async () => {
    const { session } = setup((url) => (url === LOGOUT_PATH ? json(502, null) : json(200, ME)));
    await session.load();
    await expect(session.signOut()).rejects.toMatchObject({ status: 502 });
    expect(session.state().kind).toBe('signed_in');
  });

  it('verify() shares one check between callers and signs out a dead session', async () => {
    let alive = true;
    const { session, urls } = setup(() =>
      alive ? json(200, ME) : json(401, { error: { code: 'unauthorized', message: 'revoked' } }),
    );
    await session.load();
    alive = false;
    await Promise.all([session.verify(), session.verify(), session.verify()]);
    expect(urls.filter((url) => url === `GET ${ME_PATH}`)).toHaveLength(2);
    expect(session.state().kind).toBe('signed_out');
  });

  it('verify() replaces `me` when the roles changed (a project taken away), and keeps the same one when they did not', async () => {
    let me: typeof ME = ME;
    const { session } = setup(() => json(200, me));
    await session.load();
    const first = session.state();
    await session.verify();
    expect(session.state()).toBe(first);
    me = { ...ME, projects: [] };
    await session.verify();
    expect(session.state()).toEqual({ kind: 'signed_in', me: { ...ME, projects: [] } });
  });
});
