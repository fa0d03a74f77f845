import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { REPO, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.gh.close();
});

async function control<T = unknown>(method: string, input?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${h.gh.url}/_fake/${method}`, { method: 'POST', body: input === undefined ? undefined : JSON.stringify(input) });
  return { status: res.status, body: (await res.json()) as T };
}

describe('control surface over HTTP (/_fake/<method>)', () => {
  it('seeds and reads state the same way as in-process', async () => {
    expect(await control('seedLabels', { repo: REPO, labels: ['stage:deploy'] })).toEqual({ status: 200, body: null });
    await control('seedIssue', { repo: REPO, number: 8, title: 'Ship it', labels: ['stage:deploy'], isPullRequest: true, headSha: 'd'.repeat(40) });
    await control('setPermission', { repo: REPO, user: 'carol', permission: 'maintain' });
    const token = await h.mintToken();
    await h.call('POST', `/repos/${REPO}/issues/8/comments`, { auth: `token ${token}`, body: { body: 'hello' } });
    await h.call('POST', `/repos/${REPO}/issues/8/reactions`, { auth: `token ${token}`, body: { content: '+1' } });
    expect((await control<string[]>('issueLabels', { repo: REPO, number: 8 })).body).toEqual(['stage:deploy']);
    expect((await control<{ body: string; user: string }[]>('issueComments', { repo: REPO, number: 8 })).body).toEqual([expect.objectContaining({ body: 'hello', user: 'stageline[bot]' })]);
    expect((await control<{ content: string }[]>('issueReactions', { repo: REPO, number: 8 })).body).toEqual([expect.objectContaining({ content: '+1' })]);
    expect((await control<{ token: string }[]>('tokens')).body.map((t) => t.token)).toContain(token);
    const permission = await h.call('GET', `/repos/${REPO}/collaborators/carol/permission`, { auth: `token ${token}` });
    expect(permission.body).toMatchObject({ permission: 'write', role_name: 'maintain' });
  });

  it('serves readers on GET too, and exposes the App for signing', async () => {
    const res = await fetch(`${h.gh.url}/_fake/app`);
    const app = (await res.json()) as { id: number; botLogin: string; privateKeyPem: string };
    expect(app).toMatchObject({ id: 4242, botLogin: 'stageline[bot]' });
    expect(app.privateKeyPem).toContain('PRIVATE KEY');
  });

  it('injects rate limits over HTTP', async () => {
    await control('injectSecondaryRateLimit', { count: 1, status: 429, retryAfterSeconds: 7 });
    const token = await h.mintToken();
    const res = await h.call('POST', `/repos/${REPO}/issues/8/comments`, { auth: `token ${token}`, body: { body: 'x' } });
    expect(res.status).toBe(429);
    const bucket = await control<{ remaining: number }>('setPrimaryRateLimit', { installationId: 77, remaining: 3 });
    expect(bucket.body.remaining).toBe(3);
  });

  it('holds matching API requests until released, and lets the others through', async () => {
    const token = await h.mintToken();
    await control('holdRequests', { pathContains: '/collaborators/slow-sam/' });
    const held = h.call('GET', `/repos/${REPO}/collaborators/slow-sam/permission`, { auth: `token ${token}` });
    let settled = false;
    void held.then(() => (settled = true));
    // Observable, no sleep: the fake counts the request it holds.
    for (let i = 0; (await control<{ waiting: number }[]>('heldRequests')).body[0]?.waiting !== 1; i += 1) {
      expect(i).toBeLessThan(500);
      await new Promise((r) => setImmediate(r));
    }
    const other = await h.call('GET', `/repos/${REPO}/collaborators/carol/permission`, { auth: `token ${token}` });
    expect(other.status).toBe(200);
    expect(settled).toBe(false);
    await control('releaseRequests');
    expect((await held).status).toBe(404);
    expect((await control('heldRequests')).body).toEqual([]);
  });

  it('answers the git content methods once git is done, and lists pull requests', async () => {
    const seeded = await control<{ branch: string; sha: string }>('seedRepositoryContent', { repo: REPO, files: { 'a.txt': 'A\n' } });
    expect(seeded).toEqual({ status: 200, body: { branch: 'main', sha: expect.stringMatching(/^[0-9a-f]{40}$/) } });
    expect((await control('branches', { repo: REPO })).body).toEqual({ main: seeded.body.sha });
    expect((await control('readFile', { repo: REPO, ref: 'main', path: 'a.txt' })).body).toBe('A\n');
    expect((await control('readFile', { repo: REPO, ref: 'main', path: 'b.txt' })).body).toBeNull();
    expect((await control<{ message: string }[]>('commits', { repo: REPO, ref: 'main' })).body.map((c) => c.message)).toEqual(['Initial commit']);
    expect((await control<{ error: string }>('seedRepositoryContent', { repo: REPO, files: { '../outside': 'no' } })).status).toBe(400);
    expect((await control<{ number: number; head: string }[]>('pulls', { repo: REPO })).body).toEqual([expect.objectContaining({ number: 8, head: 'feature-8', base: 'main', state: 'open' })]);
  });

  it('answers unknown methods 404 with the list, and bad input 400', async () => {
    const unknown = await control<{ methods: string[] }>('dropDatabase');
    expect(unknown.status).toBe(404);
    expect(unknown.body.methods).toContain('seedInstallation');
    const bad = await control<{ error: string }>('seedIssue', { repo: 'nobody/nothing', number: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('unknown repository nobody/nothing');
  });

  it('control requests are not API traffic: no log entries, no violations', async () => {
    await control('clearObservations');
    await control('violations');
    expect((await control<unknown[]>('requests')).body).toEqual([]);
    expect(h.gh.violations()).toEqual([]);
  });
});
