// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import type { FetchLike } from './api.ts';
import { createStaffFetch, REFRESH_PATH } from './staff-fetch.ts';

type Call = { url: string; method: string; csrf: string | null; credentials: RequestCredentials | undefined };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const expired = () => json(401, { error: { code: 'session_expired', message: 'the session expired; refresh it' } });
const unauthorized = () => json(401, { error: { code: 'unauthorized', message: 'sign in first' } });

/**
 * A scripted edge: `handle` answers each call; every call is recorded with its
 * CSRF header. A gate lets a test hold the refresh open while other calls pile up.
 */
function createEdge(handle: (call: Call, index: number) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call: Call = {
      url,
      method: init?.method ?? 'GET',
      csrf: new Headers(init?.headers).get('x-csrf-token'),
      credentials: init?.credentials,
    };
    calls.push(call);
    return handle(call, calls.length - 1);
  };
  return { calls, fetch };
}

function createClient(fetch: FetchLike, cookie = 'stageline_csrf=csrf-1') {
  const onSignedOut = vi.fn();
  const staffFetch = createStaffFetch({ fetch, readCookie: () => cookie, onSignedOut });
  return { staffFetch, onSignedOut };
}

describe('createStaffFetch', () => {
  it('sends the CSRF cookie as X-CSRF-Token on state-changing calls only, always same-origin', async () => {
    const edge = createEdge(() => json(200, {}));
    const { staffFetch } = createClient(edge.fetch);
    await staffFetch('/api/v1/staff/runs');
    await staffFetch('/api/v1/staff/approvals/r1/decision', { method: 'POST', body: '{}' });
    expect(edge.calls).toEqual([
      { url: '/api/v1/staff/runs', method: 'GET', csrf: null, credentials: 'same-origin' },
      { url: '/api/v1/staff/approvals/r1/decision', method: 'POST', csrf: 'csrf-1', credentials: 'same-origin' },
    ]);
  });

  it('reads the token from document.cookie by default', async () => {
    document.cookie = 'stageline_csrf=from-document; path=/';
    const edge = createEdge(() => json(204, null));
    const staffFetch = createStaffFetch({ fetch: edge.fetch, onSignedOut: vi.fn() });
    await staffFetch('/auth/logout', { method: 'POST' });
    expect(edge.calls[0]?.csrf).toBe('from-document');
    document.cookie = 'stageline_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
  });

  it('keeps the caller’s headers and reads the cookie at send time', async () => {
    let cookie = 'stageline_csrf=before';
    const seen: Headers[] = [];
    const onSignedOut = vi.fn();
    const staffFetch = createStaffFetch({
      fetch: (_url, init) => {
        seen.push(new Headers(init?.headers));
        return Promise.resolve(json(200, {}));
      },
      readCookie: () => cookie,
      onSignedOut,
    });
    await staffFetch('/x', { method: 'POST', headers: { 'content-type': 'application/json' } });
    cookie = 'stageline_csrf=after';
    await staffFetch('/x', { method: 'DELETE' });
    expect(seen.map((headers) => [headers.get('content-type'), headers.get('x-csrf-token')])).toEqual([
      ['application/json', 'before'],
      [null, 'after'],
    ]);
  });

  it('on session_expired refreshes with the CSRF header and retries the call once', async () => {
    const edge = createEdge((call, index) => {
      if (call.url === REFRESH_PATH) {
        return json(200, { expires_at: '2026-03-01T10:15:00.000Z' });
      }
      return index === 0 ? expired() : json(200, { ok: true });
    });
    const { staffFetch, onSignedOut } = createClient(edge.fetch);
    const response = await staffFetch('/api/v1/staff/inbox');
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ ok: true });
    expect(edge.calls.map((call) => [call.method, call.url, call.csrf])).toEqual([
      ['GET', '/api/v1/staff/inbox', null],
      ['POST', REFRESH_PATH, 'csrf-1'],
      ['GET', '/api/v1/staff/inbox', null],
    ]);
    expect(edge.calls[1]?.credentials).toBe('same-origin');
    expect(onSignedOut).not.toHaveBeenCalled();
  });

  it('retries a POST with its body and CSRF header after the refresh', async () => {
    const bodies: (BodyInit | null | undefined)[] = [];
    let first = true;
    const onSignedOut = vi.fn();
    const staffFetch = createStaffFetch({
      fetch: (url, init) => {
        if (url === REFRESH_PATH) {
          return Promise.resolve(json(200, { expires_at: 'soon' }));
        }
        bodies.push(init?.body);
        if (first) {
          first = false;
          return Promise.resolve(expired());
        }
        return Promise.resolve(json(200, {}));
      },
      readCookie: () => 'stageline_csrf=c',
      onSignedOut,
    });
    const response = await staffFetch('/api/v1/staff/approvals/r/decision', { method: 'POST', body: '{"decision":"approve"}' });
    expect(response.ok).toBe(true);
    expect(bodies).toEqual(['{"decision":"approve"}', '{"decision":"approve"}']);
  });

  it('shares one in-flight refresh between concurrent expired calls, each retried once', async () => {
    let releaseRefresh: () => void = () => undefined;
    const refreshed = new Promise<void>((resolve) => {
      releaseRefresh = resolve;
    });
    let fresh = false;
    const edge = createEdge(async (call) => {
      if (call.url === REFRESH_PATH) {
        await refreshed;
        fresh = true;
        return json(200, { expires_at: 'soon' });
      }
      return fresh ? json(200, { url: call.url }) : expired();
    });
    const { staffFetch } = createClient(edge.fetch);
    const answers = Promise.all(['/a', '/b', '/c'].map((url) => staffFetch(url)));
    await vi.waitFor(() => expect(edge.calls.filter((call) => call.url === REFRESH_PATH)).toHaveLength(1));
    releaseRefresh();
    const responses = await answers;
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(edge.calls.filter((call) => call.url === REFRESH_PATH)).toHaveLength(1);
    for (const url of ['/a', '/b', '/c']) {
      expect(edge.calls.filter((call) => call.url === url)).toHaveLength(2);
    }
  });

  it('does not refresh again for a call that was sent before another refresh finished', async () => {
    let slowAnswer: (response: Response) => void = () => undefined;
    const edge = createEdge((call, index) => {
      if (call.url === REFRESH_PATH) {
        return json(200, { expires_at: 'soon' });
      }
      if (call.url === '/slow' && index === 0) {
        return new Promise<Response>((resolve) => {
          slowAnswer = resolve;
        });
      }
      return index <= 1 ? expired() : json(200, {});
    });
    const { staffFetch } = createClient(edge.fetch);
    const slow = staffFetch('/slow'); // on the wire with the old session
    await expect(staffFetch('/fast')).resolves.toHaveProperty('status', 200); // expires, refreshes, retries
    slowAnswer(expired());
    await expect(slow).resolves.toHaveProperty('status', 200);
    expect(edge.calls.map((call) => call.url)).toEqual(['/slow', '/fast', REFRESH_PATH, '/fast', '/slow']);
  });

  it('signs out when the refresh is refused, answering the original 401 without a retry', async () => {
    const edge = createEdge((call) =>
      call.url === REFRESH_PATH ? json(401, { error: { code: 'unauthorized', message: 'the session has ended; sign in again' } }) : expired(),
    );
    const { staffFetch, onSignedOut } = createClient(edge.fetch);
    const response = await staffFetch('/api/v1/staff/runs');
    expect(response.status).toBe(401);
    await expect(response.json()).resolves.toMatchObject({ error: { code: 'session_expired' } });
    expect(onSignedOut).toHaveBeenCalledTimes(1);
    expect(edge.calls.map((call) => call.url)).toEqual(['/api/v1/staff/runs', REFRESH_PATH]);
  });

  it('signs out on a 401 that is not session_expired, without refreshing', async () => {
    const edge = createEdge(() => unauthorized());
    const { staffFetch, onSignedOut } = createClient(edge.fetch);
    expect((await staffFetch('/api/v1/staff/me')).status).toBe(401);
    expect(onSignedOut).toHaveBeenCalledTimes(1);
    expect(edge.calls).toHaveLength(1);
  });

  it('signs out when the retried call is still refused', async () => {
    const edge = createEdge((call) => (call.url === REFRESH_PATH ? json(200, {}) : expired()));
    const { staffFetch, onSignedOut } = createClient(edge.fetch);
    expect((await staffFetch('/x')).status).toBe(401);
    expect(edge.calls.map((call) => call.url)).toEqual(['/x', REFRESH_PATH, '/x']);
    expect(onSignedOut).toHaveBeenCalledTimes(1);
  });

  it('keeps the session when the refresh fails for another reason, and tries again on the next call', async () => {
    let refreshes = 0;
    const edge = createEdge((call) => {
      if (call.url === REFRESH_PATH) {
        refreshes += 1;
        return refreshes === 1 ? json(503, { error: { code: 'unavailable', message: 'down' } }) : json(200, {});
      }
      return refreshes >= 2 ? json(200, {}) : expired();
    });
    const { staffFetch, onSignedOut } = createClient(edge.fetch);
    expect((await staffFetch('/x')).status).toBe(401);
    expect(onSignedOut).not.toHaveBeenCalled();
    expect((await staffFetch('/x')).status).toBe(200);
    expect(refreshes).toBe(2);
  });

  it('passes other failures through untouched', async () => {
    const edge = createEdge(() => json(403, { error: { code: 'forbidden', message: 'missing or wrong X-CSRF-Token' } }));
    const { staffFetch, onSignedOut } = createClient(edge.fetch);
    expect((await staffFetch('/x', { method: 'POST' })).status).toBe(403);
    expect(onSignedOut).not.toHaveBeenCalled();
    expect(edge.calls).toHaveLength(1);
  });
});
