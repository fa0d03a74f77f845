import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { REPO, startHarness } from './harness.ts';

let h: Harness;
let auth: string;
beforeAll(async () => {
  h = await startHarness();
  h.gh.seedIssue({ repo: REPO, number: 1, title: 'Open bug', labels: ['bug'] });
  h.clock.now += 1000;
  h.gh.seedIssue({ repo: REPO, number: 2, title: 'Closed bug', labels: ['bug'], state: 'closed' });
  h.clock.now += 1000;
  h.gh.seedIssue({ repo: REPO, number: 3, title: 'Feature PR', labels: ['bug', 'stage:build'], isPullRequest: true, headSha: 'c'.repeat(40), headRef: 'feat' });
  auth = `token ${await h.mintToken()}`;
});
afterAll(async () => {
  await h.gh.close();
});

interface Issue {
  number: number;
  pull_request?: { url: string };
}

describe('issues and pull requests', () => {
  it('lists open issues newest first; pull requests carry the pull_request key', async () => {
    const res = await h.call<Issue[]>('GET', `/repos/${REPO}/issues`, { auth });
    expect(res.body.map((i) => i.number)).toEqual([3, 1]);
    expect(res.body[0]?.pull_request?.url).toBe(`${h.gh.url}/repos/${REPO}/pulls/3`);
    expect(res.body[1]).not.toHaveProperty('pull_request');
  });

  it('filters by state and by every listed label', async () => {
    const all = await h.call<Issue[]>('GET', `/repos/${REPO}/issues?state=all&labels=bug`, { auth });
    expect(all.body.map((i) => i.number)).toEqual([3, 2, 1]);
    const both = await h.call<Issue[]>('GET', `/repos/${REPO}/issues?state=all&labels=bug,stage:build`, { auth });
    expect(both.body.map((i) => i.number)).toEqual([3]);
    const closed = await h.call<Issue[]>('GET', `/repos/${REPO}/issues?state=closed`, { auth });
    expect(closed.body.map((i) => i.number)).toEqual([2]);
  });

  it('paginates with per_page and page and a link header', async () => {
    const first = await h.call<Issue[]>('GET', `/repos/${REPO}/issues?state=all&per_page=2`, { auth });
    expect(first.body.map((i) => i.number)).toEqual([3, 2]);
    expect(first.headers.get('link')).toContain('rel="next"');
    const second = await h.call<Issue[]>('GET', `/repos/${REPO}/issues?state=all&per_page=2&page=2`, { auth });
    expect(second.body.map((i) => i.number)).toEqual([1]);
    expect(second.headers.get('link')).toBeNull();
  });

  it('gets an issue and a pull request with its head sha; an issue is not a pull', async () => {
    const issue = await h.call<{ title: string; state: string }>('GET', `/repos/${REPO}/issues/2`, { auth });
    expect(issue.body).toMatchObject({ title: 'Closed bug', state: 'closed' });
    const pull = await h.call<{ head: { sha: string; ref: string }; number: number }>('GET', `/repos/${REPO}/pulls/3`, { auth });
    expect(pull.body).toMatchObject({ number: 3, head: { sha: 'c'.repeat(40), ref: 'feat' } });
    expect((await h.call('GET', `/repos/${REPO}/pulls/1`, { auth })).status).toBe(404);
  });
});

describe('comments and reactions', () => {
  it('creates a comment as the App bot, lists it, edits it', async () => {
    const created = await h.call<{ id: number; user: { login: string; type: string } }>('POST', `/repos/${REPO}/issues/1/comments`, { auth, body: { body: 'Run queued' } });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ login: 'stageline[bot]', type: 'Bot' });
    h.clock.now += 5000;
    const edited = await h.call('PATCH', `/repos/${REPO}/issues/comments/${created.body.id}`, { auth, body: { body: 'Run started' } });
    expect(edited.status).toBe(200);
    const listed = await h.call<{ body: string }[]>('GET', `/repos/${REPO}/issues/1/comments`, { auth });
    expect(listed.body.map((c) => c.body)).toEqual(['Run started']);
    const [state] = h.gh.issueComments({ repo: REPO, number: 1 });
    expect(state).toMatchObject({ id: created.body.id, body: 'Run started', user: 'stageline[bot]' });
    expect(state?.updated_at).not.toBe(state?.created_at);
  });

  it('404s an edit of a comment that does not exist', async () => {
    expect((await h.call('PATCH', `/repos/${REPO}/issues/comments/1`, { auth, body: { body: 'x' } })).status).toBe(404);
  });

  it('adds a reaction once: 201, then 200 for the same content', async () => {
    const first = await h.call('POST', `/repos/${REPO}/issues/3/reactions`, { auth, body: { content: 'eyes' } });
    const again = await h.call('POST', `/repos/${REPO}/issues/3/reactions`, { auth, body: { content: 'eyes' } });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(h.gh.issueReactions({ repo: REPO, number: 3 })).toEqual([expect.objectContaining({ content: 'eyes', user: 'stageline[bot]' })]);
    expect(h.gh.violations()).toEqual([]);
  });
});
