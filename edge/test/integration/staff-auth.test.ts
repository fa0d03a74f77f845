/**
 * Staff sign-in through GitHub's web flow, walked against the fake GitHub
 * (github-fake/ serves authorize, token and /user), then refresh, rotation,
 * reuse detection and sign-out (routes/staff-auth.ts).
 */
import { projectMembers, staffSessions } from '@stageline/db';
import { SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { BASE, fakeGitHub, seedCluster, withDb } from '../helpers.ts';

type Jar = Map<string, string>;

/** Keep what Set-Cookie says, as a browser would (an expired cookie is removed). */
function keep(jar: Jar, res: Response): Jar {
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === '' || /max-age=0/i.test(line)) {
      jar.delete(name);
    } else {
      jar.set(name, value);
    }
  }
  return jar;
}

const cookieHeader = (jar: Jar, names?: string[]) => [...jar].filter(([n]) => names === undefined || names.includes(n)).map(([n, v]) => `${n}=${v}`).join('; ');

/** From the console's sign-in link to the signed-in redirect. */
async function signInThroughGitHub(login: string, returnTo = '/runs'): Promise<{ jar: Jar; landed: string; callback: string }> {
  const jar: Jar = new Map();
  const start = await SELF.fetch(`${BASE}/auth/github/login?login=${login}&return_to=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  keep(jar, start);
  const authorize = new URL(start.headers.get('location') ?? '');
  expect(authorize.pathname).toBe('/login/oauth/authorize');
  expect(authorize.searchParams.get('client_id')).toBe('Iv1.fake0000000000');
  expect(authorize.searchParams.get('redirect_uri')).toBe(`${BASE}/auth/github/callback`);
  const github = await fetch(authorize, { redirect: 'manual' });
  expect(github.status).toBe(302);
  const callback = github.headers.get('location') ?? '';
  const done = await SELF.fetch(callback, { redirect: 'manual', headers: { cookie: cookieHeader(jar, ['stageline_oauth']) } });
  expect(done.status).toBe(302);
  keep(jar, done);
  return { jar, landed: done.headers.get('location') ?? '', callback };
}

const me = (jar: Jar) => SELF.fetch(`${BASE}/api/v1/staff/me`, { headers: { cookie: cookieHeader(jar, ['stageline_session', 'stageline_csrf']) } });
const refresh = (jar: Jar, csrf = jar.get('stageline_csrf') ?? '') => SELF.fetch(`${BASE}/auth/refresh`, { method: 'POST', headers: { cookie: cookieHeader(jar, ['stageline_refresh']), 'x-csrf-token': csrf } });

describe('sign in with GitHub', () => {
  it('walks the web flow: a session with HttpOnly cookies, back where the person was going, with their project roles', async () => {
    const seeded = await seedCluster();
    await fakeGitHub('seedUser', { login: 'Mona-Staff', name: 'Mona' });
    await withDb((d) => d.insert(projectMembers).values({ projectId: seeded.projectId, githubLogin: 'mona-staff', role: 'read_write' }));
    const { jar, landed } = await signInThroughGitHub('Mona-Staff', '/runs/42?tab=logs');
    expect(landed).toBe('/runs/42?tab=logs');
    expect([...jar.keys()].sort()).toEqual(['stageline_csrf', 'stageline_refresh', 'stageline_session']);
    const res = await me(jar);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ login: 'mona-staff', name: 'Mona', platform_admin: false, projects: [{ id: seeded.projectId, role: 'read_write' }] });
  });

  it('sets the session cookies HttpOnly, Secure and SameSite; the CSRF cookie is readable by the console', async () => {
    await fakeGitHub('seedUser', { login: 'cookie-check' });
    const jar: Jar = new Map();
    const start = await SELF.fetch(`${BASE}/auth/github/login?login=cookie-check`, { redirect: 'manual' });
    keep(jar, start);
    const github = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
    const done = await SELF.fetch(github.headers.get('location') ?? '', { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
    const lines = done.headers.getSetCookie();
    const line = (name: string) => lines.find((l) => l.startsWith(`${name}=`)) ?? '';
    expect(line('stageline_session')).toMatch(/HttpOnly/i);
    expect(line('stageline_session')).toMatch(/Secure/i);
    expect(line('stageline_session')).toMatch(/SameSite=Lax/i);
    expect(line('stageline_refresh')).toMatch(/Path=\/auth/);
    expect(line('stageline_refresh')).toMatch(/SameSite=Strict/i);
    expect(line('stageline_csrf')).not.toMatch(/HttpOnly/i);
  });

  it('refuses a callback without the state cookie, with another state, a replayed code, and sends a cancel back to the console', async () => {
    await fakeGitHub('seedUser', { login: 'state-check' });
    const jar: Jar = new Map();
    const start = await SELF.fetch(`${BASE}/auth/github/login?login=state-check`, { redirect: 'manual' });
    keep(jar, start);
    const github = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
    const callback = new URL(github.headers.get('location') ?? '');
    const noCookie = await SELF.fetch(callback, { redirect: 'manual' });
    expect(noCookie.status).toBe(400);
    const otherState = new URL(callback);
    otherState.searchParams.set('state', 'forged-state-value');
    expect((await SELF.fetch(otherState, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } })).status).toBe(400);
    expect((await SELF.fetch(`${BASE}/auth/github/callback`, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } })).status).toBe(400);
    // The first real use signs in; the same code again is refused by GitHub, so by us.
    expect((await SELF.fetch(callback, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } })).status).toBe(302);
    const replay = await SELF.fetch(callback, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: { code: 'invalid_argument', field: 'code' } });
    const cancelled = await SELF.fetch(`${BASE}/auth/github/callback?error=access_denied&state=x`, { redirect: 'manual' });
    expect(cancelled.status).toBe(302);
    expect(cancelled.headers.get('location')).toBe('/?signin_error=access_denied');
  });

  it('never redirects off-site after sign-in, and refuses a malformed login hint', async () => {
    await fakeGitHub('seedUser', { login: 'redirect-check' });
    const { landed } = await signInThroughGitHub('redirect-check', 'https://evil.example/steal');
    expect(landed).toBe('/');
    expect((await SELF.fetch(`${BASE}/auth/github/login?login=${encodeURIComponent('a b')}`, { redirect: 'manual' })).status).toBe(400);
  });
});

describe('session refresh and sign-out', () => {
  it('rotates the refresh token; a racing tab within the grace gets a session; a reuse later revokes the session', async () => {
    await fakeGitHub('seedUser', { login: 'refresh-check' });
    const { jar } = await signInThroughGitHub('refresh-check');
    const oldRefresh = jar.get('stageline_refresh') ?? '';
    expect((await refresh(jar, 'wrong')).status).toBe(403);
    const first = await refresh(jar);
    expect(first.status).toBe(200);
    keep(jar, first);
    expect(jar.get('stageline_refresh')).not.toBe(oldRefresh);
    // A second tab sent the old token at the same moment.
    const stale = new Map(jar).set('stageline_refresh', oldRefresh);
    const racing = await refresh(stale);
    expect(racing.status).toBe(200);
    expect(racing.headers.getSetCookie().some((l) => l.startsWith('stageline_refresh='))).toBe(false);
    // Long after the rotation, the old token is a copy someone kept: the session ends.
    const sessionId = oldRefresh.split('.')[0] ?? '';
    await withDb((d) => d.update(staffSessions).set({ rotatedAt: new Date(Date.now() - 3_600_000) }).where(eq(staffSessions.id, sessionId)));
    expect((await refresh(stale)).status).toBe(401);
    expect((await me(jar)).status).toBe(401);
    expect((await refresh(jar)).status).toBe(401);
  });

  it('signs out: the session is revoked and the cookies cleared; a missing CSRF token is refused', async () => {
    await fakeGitHub('seedUser', { login: 'logout-check' });
    const { jar } = await signInThroughGitHub('logout-check');
    const cookies = cookieHeader(jar);
    expect((await SELF.fetch(`${BASE}/auth/logout`, { method: 'POST', headers: { cookie: cookies } })).status).toBe(403);
    expect((await me(jar)).status).toBe(200);
    const out = await SELF.fetch(`${BASE}/auth/logout`, { method: 'POST', headers: { cookie: cookies, 'x-csrf-token': jar.get('stageline_csrf') ?? '' } });
    expect(out.status).toBe(204);
    const after = keep(new Map(jar), out);
    expect(after.size).toBe(0);
    // The old session cookie, replayed, no longer counts.
    expect((await me(jar)).status).toBe(401);
    expect((await refresh(jar)).status).toBe(401);
  });

  it('refuses a malformed refresh cookie', async () => {
    const res = await SELF.fetch(`${BASE}/auth/refresh`, { method: 'POST', headers: { cookie: 'stageline_refresh=not-a-token', 'x-csrf-token': 'x' } });
    expect(res.status).toBe(401);
  });
});
