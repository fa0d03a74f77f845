import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { REPO, startHarness } from './harness.ts';

let h: Harness;
let clientId: string;
let clientSecret: string;
beforeAll(async () => {
  h = await startHarness();
  ({ clientId, clientSecret } = h.gh.app());
  h.gh.seedUser({ login: 'alice', name: 'Alice Liddell', email: 'alice@example.com' });
  h.gh.seedUser({ login: 'bob', name: 'Bob <script>alert(1)</script>' });
  h.gh.seedUser({ login: 'carol', signIn: false });
});
afterAll(async () => {
  await h.gh.close();
});
beforeEach(() => {
  h.gh.clearObservations();
});

const CALLBACK = 'http://edge.test/auth/github/callback?from=staff';

interface TokenJson {
  access_token?: string;
  token_type?: string;
  scope?: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
  error?: string;
  error_description?: string;
  error_uri?: string;
}

function authorizePath(params: Record<string, string>): string {
  return `/login/oauth/authorize?${new URLSearchParams({ client_id: clientId, redirect_uri: CALLBACK, response_type: 'code', ...params }).toString()}`;
}

async function authorize(params: Record<string, string>): Promise<Response> {
  return fetch(`${h.gh.url}${authorizePath(params)}`, { redirect: 'manual' });
}

/** Signs `login` in and returns the code from the redirect. */
async function codeFor(login: string, redirectUri = CALLBACK): Promise<string> {
  const res = await authorize({ login, state: 'st', redirect_uri: redirectUri });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
}

function basic(id = clientId, secret = clientSecret): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** What arctic sends: a form body, Basic client credentials, Accept: application/json. */
async function exchange(fields: Record<string, string>, opts: { auth?: string | null; json?: boolean } = {}): Promise<TokenJson> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  const auth = opts.auth === undefined ? basic() : opts.auth;
  if (auth !== null) {
    headers.authorization = auth;
  }
  const body = opts.json === true ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  if (opts.json === true) {
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${h.gh.url}/login/oauth/access_token`, { method: 'POST', headers, body });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as TokenJson;
}

async function signIn(login: string): Promise<TokenJson> {
  return exchange({ grant_type: 'authorization_code', code: await codeFor(login), redirect_uri: CALLBACK });
}

describe('GET /login/oauth/authorize', () => {
  it('redirects a sign-in capable login straight back with a code and the state, keeping the callback query', async () => {
    const res = await authorize({ login: 'Alice', state: 's-1', scope: 'read:user', allow_signup: 'false' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('http://edge.test/auth/github/callback');
    expect(Object.fromEntries(location.searchParams)).toEqual({ from: 'staff', code: expect.stringMatching(/^[0-9a-f]{20}$/), state: 's-1' });
  });

  it('leaves state out of the redirect when none was sent', async () => {
    const res = await authorize({ login: 'alice' });
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.searchParams.has('state')).toBe(false);
    expect(location.searchParams.get('code')).toMatch(/^[0-9a-f]{20}$/);
  });

  it('shows an account picker listing every sign-in capable person, escaped, with links that sign in', async () => {
    const asked: Record<string, string>[] = [{ state: 'pick' }, { state: 'pick', login: 'nobody-here' }, { state: 'pick', login: 'carol' }];
    for (const params of asked) {
      const res = await authorize(params);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain('<title>Sign in to stageline</title>');
      expect([...html.matchAll(/data-login="([^"]+)">([^<]+)</g)].map((m) => [m[1], m[2]])).toEqual([
        ['alice', 'alice'],
        ['bob', 'bob'],
      ]);
      expect(html).not.toContain('<script>');
      expect(html).toContain('Bob &lt;script&gt;alert(1)&lt;/script&gt;');
    }
    const html = await (await authorize({ state: 'pick' })).text();
    const href = /href="([^"]+)" data-login="bob"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? '';
    expect(Object.fromEntries(new URL(href, h.gh.url).searchParams)).toEqual({ client_id: clientId, redirect_uri: CALLBACK, response_type: 'code', state: 'pick', login: 'bob' });
    const chosen = await fetch(new URL(href, h.gh.url), { redirect: 'manual' });
    expect(chosen.status).toBe(302);
    expect(new URL(chosen.headers.get('location') ?? '').searchParams.get('state')).toBe('pick');
  });

  it('cancels with GitHub access_denied error on the callback', async () => {
    const html = await (await authorize({ state: 'no-thanks' })).text();
    const href = /href="([^"]+)" data-action="cancel">Cancel</.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const denied = new URL(href);
    expect(`${denied.origin}${denied.pathname}`).toBe('http://edge.test/auth/github/callback');
    expect(Object.fromEntries(denied.searchParams)).toEqual({
      from: 'staff',
      error: 'access_denied',
      error_description: 'The user has denied your application access.',
      error_uri: expect.stringContaining('docs.github.com'),
      state: 'no-thanks',
    });
  });

  it('answers 404 for an unknown client_id and 400 for a missing or unusable redirect_uri', async () => {
    const unknown = await authorize({ client_id: 'Iv1.nope', login: 'alice' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^text\/html/);
    const missing = await fetch(`${h.gh.url}/login/oauth/authorize?client_id=${clientId}&login=alice`, { redirect: 'manual' });
    expect(missing.status).toBe(400);
    for (const redirect_uri of ['/relative', 'javascript:alert(1)']) {
      expect((await authorize({ redirect_uri, login: 'alice' })).status).toBe(400);
    }
  });
});

describe('POST /login/oauth/access_token', () => {
  it('exchanges a code for a user access token that GET /user accepts, and the answer validates', async () => {
    const tokens = await signIn('alice');
    expect(tokens).toEqual({
      access_token: expect.stringMatching(/^ghu_[A-Za-z0-9]{36}$/),
      token_type: 'bearer',
      scope: '',
      expires_in: 28800,
      refresh_token: expect.stringMatching(/^ghr_[A-Za-z0-9]+$/),
      refresh_token_expires_in: 15897600,
    });
    for (const scheme of ['Bearer', 'token']) {
      const me = await h.call<Record<string, unknown>>('GET', '/user', { auth: `${scheme} ${tokens.access_token ?? ''}` });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ login: 'alice', name: 'Alice Liddell', email: 'alice@example.com', type: 'User', user_view_type: 'private' });
      expect(me.headers.get('x-ratelimit-limit')).toBe('5000');
    }
    expect(h.gh.violations()).toEqual([]);
    expect(h.gh.userTokens()).toContainEqual(expect.objectContaining({ token: tokens.access_token, login: 'alice', client_id: clientId, live: true }));
    expect(h.gh.requests().map((r) => [r.method, r.path.split('?')[0], r.status, r.tokenKind])).toEqual([
      ['GET', '/login/oauth/authorize', 302, 'none'],
      ['POST', '/login/oauth/access_token', 200, 'none'],
      ['GET', '/user', 200, 'user'],
      ['GET', '/user', 200, 'user'],
    ]);
  });

  it('accepts client credentials in a form or JSON body instead of Basic', async () => {
    const form = await exchange({ client_id: clientId, client_secret: clientSecret, code: await codeFor('bob') }, { auth: null });
    expect(form.access_token).toMatch(/^ghu_/);
    const json = await exchange({ client_id: clientId, client_secret: clientSecret, code: await codeFor('bob'), redirect_uri: CALLBACK }, { auth: null, json: true });
    expect(json.access_token).toMatch(/^ghu_/);
  });

  it('answers form-encoded without Accept: application/json, as GitHub does', async () => {
    const code = await codeFor('alice');
    const res = await fetch(`${h.gh.url}/login/oauth/access_token`, { method: 'POST', body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, code }) });
    expect(res.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    const body = new URLSearchParams(await res.text());
    expect(body.get('access_token')).toMatch(/^ghu_/);
    expect(body.get('token_type')).toBe('bearer');
    expect(body.get('expires_in')).toBe('28800');
    const again = await fetch(`${h.gh.url}/login/oauth/access_token`, { method: 'POST', body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, code }) });
    expect(new URLSearchParams(await again.text()).get('error')).toBe('bad_verification_code');
  });

  it('uses a code once: the second exchange is bad_verification_code', async () => {
    const code = await codeFor('alice');
    expect((await exchange({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK })).access_token).toMatch(/^ghu_/);
    expect(await exchange({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK })).toEqual({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
      error_uri: expect.stringContaining('#bad-verification-code'),
    });
    expect((await exchange({ code: 'f'.repeat(20) })).error).toBe('bad_verification_code');
  });

  it('refuses a wrong secret or an unknown client id with incorrect_client_credentials', async () => {
    const code = await codeFor('alice');
    expect((await exchange({ code }, { auth: basic(clientId, 'wrong') })).error).toBe('incorrect_client_credentials');
    expect((await exchange({ code }, { auth: basic('Iv1.unknown', clientSecret) })).error).toBe('incorrect_client_credentials');
    expect((await exchange({ code }, { auth: null })).error).toBe('incorrect_client_credentials');
    // The failed attempts did not use the code up.
    expect((await exchange({ code })).access_token).toMatch(/^ghu_/);
  });

  it('refuses a redirect_uri other than the one the code was issued for', async () => {
    const code = await codeFor('alice');
    expect(await exchange({ code, redirect_uri: 'http://evil.test/callback' })).toMatchObject({ error: 'redirect_uri_mismatch', error_description: expect.stringContaining('redirect_uri') });
    // Leaving redirect_uri out is allowed, as on GitHub.
    expect((await exchange({ code })).access_token).toMatch(/^ghu_/);
  });

  it('expires codes after ten minutes of the fake clock', async () => {
    const fresh = await codeFor('alice');
    const stale = await codeFor('alice');
    h.clock.now += 10 * 60_000 - 1000;
    expect((await exchange({ code: fresh })).access_token).toMatch(/^ghu_/);
    h.clock.now += 1000;
    expect((await exchange({ code: stale })).error).toBe('bad_verification_code');
  });

  it('rotates refresh tokens: the old pair stops working, the new one works', async () => {
    const first = await signIn('alice');
    const second = await exchange({ grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' });
    expect(second).toMatchObject({ access_token: expect.stringMatching(/^ghu_/), refresh_token: expect.stringMatching(/^ghr_/), expires_in: 28800 });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await h.call('GET', '/user', { auth: `Bearer ${first.access_token ?? ''}` })).status).toBe(401);
    expect((await h.call('GET', '/user', { auth: `Bearer ${second.access_token ?? ''}` })).status).toBe(200);
    expect(await exchange({ grant_type: 'refresh_token', refresh_token: first.refresh_token ?? '' })).toMatchObject({ error: 'bad_refresh_token' });
    expect((await exchange({ grant_type: 'refresh_token', refresh_token: second.refresh_token ?? '' }, { auth: basic(clientId, 'wrong') })).error).toBe('incorrect_client_credentials');
    expect(h.gh.userTokens().find((t) => t.token === first.access_token)?.live).toBe(false);
    expect((await exchange({ grant_type: 'device_code' })).error).toBe('unsupported_grant_type');
  });

  it('answers other methods and paths under /login/oauth with 404', async () => {
    expect((await fetch(`${h.gh.url}/login/oauth/access_token`)).status).toBe(404);
    expect((await fetch(`${h.gh.url}/login/oauth/device/code`, { method: 'POST' })).status).toBe(404);
  });
});

describe('GET /user', () => {
  it('answers 401 Bad credentials for an unknown or expired user token, as the other 401s', async () => {
    const bad = await h.call('GET', '/user', { auth: 'Bearer ghu_notatoken' });
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    const { access_token } = await signIn('alice');
    h.clock.now += 8 * 3600_000;
    const expired = await h.call('GET', '/user', { auth: `token ${access_token ?? ''}` });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ message: 'Bad credentials' });
    expect((await h.call('GET', '/user')).body).toMatchObject({ message: 'Requires authentication' });
    expect(h.gh.requests().filter((r) => r.path === '/user').map((r) => r.tokenKind)).toEqual(['invalid', 'invalid', 'none']);
  });

  it('keeps installation tokens and user tokens apart, and both keep working', async () => {
    const installationToken = await h.mintToken();
    const { access_token } = await signIn('alice');
    expect((await h.call('GET', '/user', { auth: `token ${installationToken}` })).body).toMatchObject({ message: 'Resource not accessible by integration' });
    expect((await h.call('GET', '/user', { auth: `Bearer ${h.jwt()}` })).status).toBe(403);
    expect((await h.call('GET', `/repos/${REPO}/labels`, { auth: `token ${access_token ?? ''}` })).status).toBe(403);
    expect((await h.call('GET', `/repos/${REPO}/labels`, { auth: `token ${installationToken}` })).status).toBe(200);
    expect((await h.call('GET', '/user', { auth: `token ${access_token ?? ''}` })).status).toBe(200);
  });
});

describe('seedUser over HTTP', () => {
  it('seeds a person who can then sign in, and refuses a bad login', async () => {
    const res = await fetch(`${h.gh.url}/_fake/seedUser`, { method: 'POST', body: JSON.stringify({ login: 'dave', name: 'Dave' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: expect.any(Number), login: 'dave', name: 'Dave', email: null, signIn: true });
    const { access_token } = await signIn('dave');
    expect((await h.call('GET', '/user', { auth: `Bearer ${access_token ?? ''}` })).body).toMatchObject({ login: 'dave', name: 'Dave', email: null });
    const bad = await fetch(`${h.gh.url}/_fake/seedUser`, { method: 'POST', body: JSON.stringify({ login: 'robot[bot]' }) });
    expect(bad.status).toBe(400);
    expect(h.gh.violations()).toEqual([]);
  });
});
