/**
 * Interoperability with the OAuth 2.0 client the edge signs staff in with
 * (arctic's generic OAuth2Client, endpoints pointed at the fake), the way
 * edge/src/auth/github-oauth.ts drives it.
 */
import { OAuth2Client } from 'arctic';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.gh.seedUser({ login: 'octo-staff', name: 'Octo Staff', email: 'staff@example.com' });
});
afterAll(async () => {
  await h.gh.close();
});

it('signs in, reads /user and refreshes with arctic against the fake', async () => {
  const { clientId, clientSecret } = h.gh.app();
  const client = new OAuth2Client(clientId, clientSecret, 'http://127.0.0.1:8787/auth/github/callback');
  const authorizeUrl = client.createAuthorizationURL(`${h.gh.url}/login/oauth/authorize`, 'state-123', []);
  authorizeUrl.searchParams.set('login', 'octo-staff');
  const redirect = await fetch(authorizeUrl, { redirect: 'manual' });
  expect(redirect.status).toBe(302);
  const callback = new URL(redirect.headers.get('location') ?? '');
  expect(callback.searchParams.get('state')).toBe('state-123');
  const code = callback.searchParams.get('code') ?? '';

  const tokens = await client.validateAuthorizationCode(`${h.gh.url}/login/oauth/access_token`, code, null);
  expect(tokens.tokenType()).toBe('bearer');
  expect(tokens.accessToken()).toMatch(/^ghu_/);
  expect(tokens.accessTokenExpiresInSeconds()).toBe(28800);
  expect(tokens.refreshToken()).toMatch(/^ghr_/);

  const me = await fetch(`${h.gh.url}/user`, { headers: { authorization: `Bearer ${tokens.accessToken()}`, accept: 'application/vnd.github+json' } });
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ login: 'octo-staff', name: 'Octo Staff' });

  // GitHub reports a spent code as a 200 with `error`, which arctic hands back as data.
  const reused = await client.validateAuthorizationCode(`${h.gh.url}/login/oauth/access_token`, code, null);
  expect(reused.data).toMatchObject({ error: 'bad_verification_code' });

  const refreshed = await client.refreshAccessToken(`${h.gh.url}/login/oauth/access_token`, tokens.refreshToken(), []);
  expect(refreshed.accessToken()).not.toBe(tokens.accessToken());
  expect(h.gh.userTokens().filter((t) => t.live).map((t) => t.token)).toEqual([refreshed.accessToken()]);
  expect(h.gh.violations()).toEqual([]);
});
