import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { INSTALLATION_ID, REPO, startHarness } from './harness.ts';

let h: Harness;
let auth: string;
beforeEach(async () => {
  h = await startHarness();
  h.gh.seedIssue({ repo: REPO, number: 1 });
  auth = `token ${await h.mintToken()}`;
});
afterEach(async () => {
  await h.gh.close();
});

const comment = (): Promise<{ status: number; headers: Headers; body: unknown }> => h.call('POST', `/repos/${REPO}/issues/1/comments`, { auth, body: { body: 'hi' } });

describe('primary rate limit', () => {
  it('sends x-ratelimit-* headers on every response, counting per installation', async () => {
    const res = await h.call('GET', `/repos/${REPO}/labels`, { auth });
    expect(res.headers.get('x-ratelimit-limit')).toBe('5000');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('4999');
    expect(res.headers.get('x-ratelimit-used')).toBe('1');
    expect(res.headers.get('x-ratelimit-resource')).toBe('core');
    expect(Number(res.headers.get('x-ratelimit-reset'))).toBe(Math.floor(h.clock.now / 1000) + 3600);
    const missing = await h.call('GET', '/nowhere');
    expect(missing.headers.get('x-ratelimit-limit')).toBe('60');
  });

  it('answers 403 with GitHub message when remaining is 0, until reset passes', async () => {
    const reset = Math.floor(h.clock.now / 1000) + 120;
    h.gh.setPrimaryRateLimit({ installationId: INSTALLATION_ID, remaining: 0, reset });
    const res = await h.call<{ message: string }>('GET', `/repos/${REPO}/labels`, { auth });
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/^API rate limit exceeded for installation ID 77\./);
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('x-ratelimit-reset')).toBe(String(reset));
    h.clock.now += 121_000;
    expect((await h.call('GET', `/repos/${REPO}/labels`, { auth })).status).toBe(200);
  });
});

describe('secondary rate limits', () => {
  it('injected: the next N content writes get 403 with retry-after, reads pass', async () => {
    h.gh.injectSecondaryRateLimit({ count: 2, status: 403, retryAfterSeconds: 30 });
    expect((await h.call('GET', `/repos/${REPO}/labels`, { auth })).status).toBe(200);
    const first = await comment();
    expect(first.status).toBe(403);
    expect(first.headers.get('retry-after')).toBe('30');
    expect(first.body).toMatchObject({ message: expect.stringContaining('secondary rate limit') });
    expect((await comment()).status).toBe(403);
    expect((await comment()).status).toBe(201);
    expect(h.gh.issueComments({ repo: REPO, number: 1 })).toHaveLength(1);
  });

  it('injected as 429', async () => {
    h.gh.injectSecondaryRateLimit({ count: 1, status: 429, retryAfterSeconds: 5, installationId: INSTALLATION_ID });
    const res = await comment();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('5');
  });

  it('enforces 80 content writes per minute per installation on the injected clock', async () => {
    for (let i = 0; i < 80; i += 1) {
      expect((await comment()).status).toBe(201);
      h.clock.now += 100;
    }
    const limited = await comment();
    expect(limited.status).toBe(403);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(52);
    expect((await h.call('GET', `/repos/${REPO}/issues/1/comments?per_page=100`, { auth })).status).toBe(200);
    h.clock.now += 60_000;
    expect((await comment()).status).toBe(201);
    expect(h.gh.violations()).toEqual([]);
  });
});
