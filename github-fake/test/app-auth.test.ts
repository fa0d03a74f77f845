import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { APP_ID, INSTALLATION_ID, OTHER_REPO, REPO, startHarness } from './harness.ts';

let h: Harness;
let forgedKey: string;
beforeAll(async () => {
  h = await startHarness();
  forgedKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
});
afterAll(async () => {
  await h.gh.close();
});

const accessTokens = `/app/installations/${INSTALLATION_ID}/access_tokens`;

interface TokenReply {
  token: string;
  expires_at: string;
  permissions: Record<string, string>;
  repository_selection: string;
  repositories?: { full_name: string }[];
}

describe('App JWT authentication', () => {
  it('mints an installation token with a valid JWT', async () => {
    const res = await h.call<TokenReply>('POST', accessTokens, { auth: `Bearer ${h.jwt()}` });
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^ghs_[A-Za-z0-9]+$/);
    expect(res.body.expires_at).toBe(new Date(h.clock.now + 3600_000).toISOString().replace('.000Z', 'Z'));
    expect(res.body.permissions).toEqual({ metadata: 'read', issues: 'write', pull_requests: 'write', contents: 'write' });
    expect(h.gh.tokens().map((t) => t.token)).toContain(res.body.token);
    expect(h.gh.violations()).toEqual([]);
  });

  it('accepts iss as a string', async () => {
    const res = await h.call('POST', accessTokens, { auth: `Bearer ${h.jwt({ appId: String(APP_ID) })}` });
    expect(res.status).toBe(201);
  });

  it('mints opaque tokens of varying length', async () => {
    const lengths = new Set<number>();
    for (let i = 0; i < 12; i += 1) {
      lengths.add((await h.mintToken()).length);
    }
    expect(lengths.size).toBeGreaterThan(1);
  });

  it.each([
    ['no Authorization header', undefined, 'A JSON web token could not be decoded'],
    ['an installation token', 'token ghs_notajwt', 'A JSON web token could not be decoded'],
    ['an expired JWT', 'expired', `'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires`],
    ['a JWT issued in the future', 'future', `'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued`],
    ['a JWT living longer than 10 minutes', 'long', `'Expiration time' claim ('exp') is too far in the future`],
    ['a JWT signed with another key', 'forged', 'A JSON web token could not be decoded'],
    ['a JWT for another app', 'other-app', `'Issuer' claim ('iss') must be an Integer`],
  ])('rejects %s with 401', async (_what, kind, message) => {
    const nowS = Math.floor(h.clock.now / 1000);
    const jwts: Record<string, string> = {
      expired: h.jwt({ iat: nowS - 700, exp: nowS - 100 }),
      future: h.jwt({ iat: nowS + 120, exp: nowS + 600 }),
      long: h.jwt({ iat: nowS - 30, exp: nowS + 660 }),
      forged: h.jwt({ privateKeyPem: forgedKey }),
      'other-app': h.jwt({ appId: 9999 }),
    };
    const auth = kind === undefined ? undefined : (kind.startsWith('token') ? kind : `Bearer ${jwts[kind] ?? ''}`);
    const res = await h.call('POST', accessTokens, { auth });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message });
  });

  it('tolerates 60 s of clock drift on iat', async () => {
    const nowS = Math.floor(h.clock.now / 1000);
    const res = await h.call('POST', accessTokens, { auth: `Bearer ${h.jwt({ iat: nowS + 50, exp: nowS + 600 })}` });
    expect(res.status).toBe(201);
  });

  it('answers 404 for an installation that does not exist', async () => {
    const res = await h.call('POST', '/app/installations/123456/access_tokens', { auth: `Bearer ${h.jwt()}` });
    expect(res.status).toBe(404);
  });

  it('narrows a token to named repositories and fewer permissions, and records the request', async () => {
    const res = await h.call<TokenReply>('POST', accessTokens, { auth: `Bearer ${h.jwt()}`, body: { repositories: ['widgets'], permissions: { issues: 'read' } } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ permissions: { issues: 'read' }, repository_selection: 'selected' });
    expect(res.body.repositories?.map((r) => r.full_name)).toEqual([REPO]);
    const minted = h.gh.tokens().find((t) => t.token === res.body.token);
    expect(minted).toMatchObject({ repositories: [REPO], requested: { repositories: ['widgets'], permissions: { issues: 'read' } } });
  });

  it('narrows by repository_ids', async () => {
    const res = await h.call<TokenReply>('POST', accessTokens, { auth: `Bearer ${h.jwt()}`, body: { repository_ids: [502] } });
    expect(res.body.repositories?.map((r) => r.full_name)).toEqual([OTHER_REPO]);
  });

  it('refuses repositories outside the installation and permissions it was not granted with 422', async () => {
    const repos = await h.call('POST', accessTokens, { auth: `Bearer ${h.jwt()}`, body: { repositories: ['elsewhere'] } });
    expect(repos.status).toBe(422);
    const perms = await h.call('POST', accessTokens, { auth: `Bearer ${h.jwt()}`, body: { permissions: { administration: 'write' } } });
    expect(perms.status).toBe(422);
    expect(perms.body).toMatchObject({ message: 'The permissions requested are not granted to this installation.' });
  });

  it('gets the installation and a repository installation with the JWT', async () => {
    const byId = await h.call<{ id: number; account: { login: string }; app_id: number }>('GET', `/app/installations/${INSTALLATION_ID}`, { auth: `Bearer ${h.jwt()}` });
    expect(byId.body).toMatchObject({ id: INSTALLATION_ID, app_id: APP_ID, account: { login: 'acme' } });
    const byRepo = await h.call<{ id: number }>('GET', `/repos/${REPO}/installation`, { auth: `Bearer ${h.jwt()}` });
    expect(byRepo.body.id).toBe(INSTALLATION_ID);
    const missing = await h.call('GET', '/repos/acme/unknown/installation', { auth: `Bearer ${h.jwt()}` });
    expect(missing.status).toBe(404);
    expect(h.gh.violations()).toEqual([]);
  });

  it('expires installation tokens after an hour of the injected clock', async () => {
    const token = await h.mintToken();
    expect((await h.call('GET', `/repos/${REPO}/labels`, { auth: `token ${token}` })).status).toBe(200);
    h.clock.now += 3600_000;
    const res = await h.call('GET', `/repos/${REPO}/labels`, { auth: `token ${token}` });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message: 'Bad credentials' });
  });
});
