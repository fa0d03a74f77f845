import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAppJwt } from '../src/index.ts';
import type { Harness } from './harness.ts';
import { startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  for (let id = 1; id <= 5; id += 1) {
    h.gh.seedDelivery({ id, guid: `guid-${id}`, event: 'issues', action: 'labeled', status: id === 4 ? 'Invalid HTTP Response: 500' : 'OK', status_code: id === 4 ? 500 : 200, delivered_at: `2026-03-02T09:0${id}:00Z` });
  }
});
afterAll(async () => {
  await h.gh.close();
});

interface Delivery {
  id: number;
  guid: string;
  status: string;
  status_code: number;
}

describe('App webhook deliveries', () => {
  it('lists newest first, paging with a cursor in the link header', async () => {
    const first = await h.call<Delivery[]>('GET', '/app/hook/deliveries?per_page=2', { auth: `Bearer ${h.jwt()}` });
    expect(first.body.map((d) => d.id)).toEqual([5, 4]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    expect(next).toContain('cursor=v1_3');
    const second = await h.call<Delivery[]>('GET', next.replace(h.gh.url, ''), { auth: `Bearer ${h.jwt()}` });
    expect(second.body.map((d) => d.id)).toEqual([3, 2]);
  });

  it('gets one delivery with its request and response', async () => {
    const res = await h.call<Delivery & { request: { headers: Record<string, string> } }>('GET', '/app/hook/deliveries/4', { auth: `Bearer ${h.jwt()}` });
    expect(res.body).toMatchObject({ id: 4, guid: 'guid-4', status_code: 500, request: { headers: { 'X-GitHub-Event': 'issues' } } });
  });

  it('records a redelivery attempt with 202', async () => {
    const res = await h.call('POST', '/app/hook/deliveries/4/attempts', { auth: `Bearer ${h.jwt()}` });
    expect(res.status).toBe(202);
    expect(h.gh.redeliveries()).toEqual([{ delivery_id: 4, at: '2026-03-02T10:00:00Z' }]);
    expect((await h.call('POST', '/app/hook/deliveries/404/attempts', { auth: `Bearer ${h.jwt()}` })).status).toBe(404);
  });

  it('requires the App JWT', async () => {
    expect((await h.call('GET', '/app/hook/deliveries')).status).toBe(401);
    expect(h.gh.violations()).toEqual([]);
  });
});

describe('App manifest conversion', () => {
  it('turns a seeded code into an App once; the returned pem signs accepted JWTs', async () => {
    h.gh.seedManifestCode({ code: 'abc123', slug: 'stageline-dev', webhookSecret: 'whsec' });
    const res = await h.call<{ id: number; slug: string; pem: string; webhook_secret: string; client_id: string; client_secret: string }>('POST', '/app-manifests/abc123/conversions');
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ slug: 'stageline-dev', webhook_secret: 'whsec' });
    expect(res.body.pem).toContain('BEGIN RSA PRIVATE KEY');
    expect(res.body.client_id).not.toBe('');
    expect(res.body.client_secret).not.toBe('');
    expect((await h.call('POST', '/app-manifests/abc123/conversions')).status).toBe(404);
    const nowS = Math.floor(h.clock.now / 1000);
    h.gh.seedInstallation({ id: 900, account: 'dev-org', repositories: [{ id: 9001, full_name: 'dev-org/site' }], appId: res.body.id });
    const jwt = signAppJwt({ appId: res.body.id, privateKeyPem: res.body.pem, iat: nowS - 30, exp: nowS + 500 });
    expect((await h.call('POST', '/app/installations/900/access_tokens', { auth: `Bearer ${jwt}` })).status).toBe(201);
    // The first App cannot mint for the second App's installation.
    expect((await h.call('POST', '/app/installations/900/access_tokens', { auth: `Bearer ${h.jwt()}` })).status).toBe(404);
    expect(h.gh.violations()).toEqual([]);
  });

  it('404s an unknown code', async () => {
    expect((await h.call('POST', '/app-manifests/unknown/conversions')).status).toBe(404);
  });
});
