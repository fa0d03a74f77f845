import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { REPO, startHarness } from './harness.ts';

let h: Harness;
let auth: string;
beforeAll(async () => {
  h = await startHarness();
  h.gh.setPermission({ repo: REPO, user: 'alice', permission: 'write' });
  h.gh.seedIssue({ repo: REPO, number: 9, title: 'Add a thing', labels: ['bug'], user: 'octocat' });
  auth = `token ${await h.mintToken()}`;
});
afterAll(async () => {
  await h.gh.close();
});

interface IssueEvent {
  id: number;
  event: string;
  actor: { login: string; type: string };
  created_at: string;
  label: { name: string; color: string };
  performed_via_github_app: { slug: string } | null;
}

describe('issue events (label timeline)', () => {
  it('lists seeded, UI and App label changes oldest first, each valid against the description', async () => {
    h.clock.now += 60_000;
    h.gh.labelIssue({ repo: REPO, number: 9, label: 'run:dev', actor: 'alice' });
    h.clock.now += 60_000;
    expect((await h.call('POST', `/repos/${REPO}/issues/9/labels`, { auth, body: { labels: ['state:in-review'] } })).status).toBe(200);
    expect((await h.call('DELETE', `/repos/${REPO}/issues/9/labels/run:dev`, { auth })).status).toBe(200);

    const res = await h.call<IssueEvent[]>('GET', `/repos/${REPO}/issues/9/events`, { auth });
    expect(res.status).toBe(200);
    expect(res.body.map((e) => [e.event, e.label.name, e.actor.login, e.performed_via_github_app?.slug ?? null])).toEqual([
      ['labeled', 'bug', 'octocat', null],
      ['labeled', 'run:dev', 'alice', null],
      ['labeled', 'state:in-review', 'stageline[bot]', 'stageline'],
      ['unlabeled', 'run:dev', 'stageline[bot]', 'stageline'],
    ]);
    expect(res.body[1]?.created_at).toBe('2026-03-02T10:01:00Z');
    expect(h.gh.issueLabels({ repo: REPO, number: 9 })).toEqual(['bug', 'state:in-review']);
    expect(h.gh.violations()).toEqual([]);
  });

  it('pages with per_page, and an unknown issue is a 404', async () => {
    const first = await h.call<IssueEvent[]>('GET', `/repos/${REPO}/issues/9/events?per_page=2`, { auth });
    expect(first.body).toHaveLength(2);
    expect(first.headers.get('link')).toContain('rel="next"');
    expect((await h.call('GET', `/repos/${REPO}/issues/404/events`, { auth })).status).toBe(404);
    expect(h.gh.violations()).toEqual([]);
  });
});
