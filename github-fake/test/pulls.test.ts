import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { REPO, startHarness } from './harness.ts';

interface Pull {
  number: number;
  title: string;
  body: string | null;
  state: string;
  draft: boolean;
  closed_at: string | null;
  html_url: string;
  user: { login: string };
  head: { ref: string; sha: string; label: string };
  base: { ref: string; sha: string };
}

interface Invalid {
  message: string;
  errors: { resource: string; code: string; field?: string; message?: string }[];
}

let h: Harness;
let auth: string;
let tips: { main: string; feature: string; release: string };
beforeAll(async () => {
  h = await startHarness();
  // Issues #1 and #5 exist: a new pull request takes #6, the repository's next number.
  h.gh.seedIssue({ repo: REPO, number: 1 });
  h.gh.seedIssue({ repo: REPO, number: 5 });
  const main = await h.gh.seedRepositoryContent({ repo: REPO, files: { 'README.md': '# Widgets\n' } });
  const feature = await h.gh.seedRepositoryContent({ repo: REPO, branch: 'feature', files: { 'src/feature.ts': 'export {};\n' }, message: 'Add the feature' });
  const release = await h.gh.seedRepositoryContent({ repo: REPO, branch: 'release', files: { CHANGELOG: 'v1\n' }, message: 'Release notes' });
  tips = { main: main.sha, feature: feature.sha, release: release.sha };
  auth = `token ${await h.mintToken()}`;
});
afterAll(async () => {
  await h.gh.close();
});
beforeEach(() => {
  h.gh.clearObservations();
});

describe('opening a pull request', () => {
  it('opens a pull request as the bot with the next issue number and the branch tips as shas', async () => {
    const res = await h.call<Pull>('POST', `/repos/${REPO}/pulls`, { auth, body: { title: 'Add the feature', head: 'feature', base: 'main', body: 'Closes #1', draft: true } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      number: 6,
      title: 'Add the feature',
      body: 'Closes #1',
      state: 'open',
      draft: true,
      user: { login: 'stageline[bot]' },
      head: { ref: 'feature', sha: tips.feature, label: 'acme:feature' },
      base: { ref: 'main', sha: tips.main },
      html_url: `https://github.com/${REPO}/pull/6`,
    });
    expect(res.headers.get('location')).toBe(`${h.gh.url}/repos/${REPO}/pulls/6`);
    expect(h.gh.pulls({ repo: REPO })).toEqual([
      { number: 6, title: 'Add the feature', body: 'Closes #1', head: 'feature', base: 'main', draft: true, state: 'open', html_url: `https://github.com/${REPO}/pull/6` },
    ]);
    const issues = await h.call<{ number: number; pull_request?: unknown }[]>('GET', `/repos/${REPO}/issues`, { auth });
    expect(issues.body.find((i) => i.number === 6)?.pull_request).toBeDefined();
    expect(h.gh.violations()).toEqual([]);
  });

  it('refuses a second open pull request for the same head and base, as GitHub words it', async () => {
    const res = await h.call<Invalid>('POST', `/repos/${REPO}/pulls`, { auth, body: { title: 'Again', head: 'acme:feature', base: 'main' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for acme:feature.' }] });
  });

  it.each([
    ['a head branch the repository does not have', { title: 't', head: 'nope', base: 'main' }, { field: 'head', code: 'invalid' }],
    ['a head in another owner', { title: 't', head: 'someone:feature', base: 'main' }, { field: 'head', code: 'invalid' }],
    ['a base branch the repository does not have', { title: 't', head: 'release', base: 'nope' }, { field: 'base', code: 'invalid' }],
    ['no title', { head: 'release', base: 'main' }, { field: 'title', code: 'missing_field' }],
    ['no commits between base and head', { title: 't', head: 'main', base: 'release' }, { code: 'custom', message: 'No commits between release and main' }],
  ])('answers 422 for %s', async (_what, body, error) => {
    const res = await h.call<Invalid>('POST', `/repos/${REPO}/pulls`, { auth, body });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ resource: 'PullRequest', ...error }]);
    expect(h.gh.pulls({ repo: REPO }).map((p) => p.number)).toEqual([6]);
  });

  it('checks the body against the description (head and base are required)', async () => {
    const res = await h.call('POST', `/repos/${REPO}/pulls`, { auth, body: { title: 't', head: 'feature' } });
    expect(res.status).toBe(422);
    expect(h.gh.violations()).toEqual([expect.objectContaining({ kind: 'invalid-body', operationId: 'pulls/create' })]);
  });

  it('needs pull_requests write to open or edit, read to look', async () => {
    const reader = `token ${await h.mintToken({ permissions: { pull_requests: 'read' } })}`;
    expect((await h.call('POST', `/repos/${REPO}/pulls`, { auth: reader, body: { title: 't', head: 'release', base: 'main' } })).status).toBe(403);
    expect((await h.call('PATCH', `/repos/${REPO}/pulls/6`, { auth: reader, body: { title: 'x' } })).status).toBe(403);
    expect((await h.call('GET', `/repos/${REPO}/pulls/6`, { auth: reader })).status).toBe(200);
    expect((await h.call('GET', `/repos/${REPO}/pulls`, { auth: reader })).status).toBe(200);
    const issuesOnly = `token ${await h.mintToken({ permissions: { issues: 'write' } })}`;
    expect((await h.call('GET', `/repos/${REPO}/pulls`, { auth: issuesOnly })).status).toBe(403);
  });
});

describe('reading and editing pull requests', () => {
  it('follows pushes to the head branch', async () => {
    const pushed = await h.gh.seedRepositoryContent({ repo: REPO, branch: 'feature', files: { 'src/feature.ts': 'export const v = 2;\n' }, message: 'Second take' });
    const res = await h.call<Pull>('GET', `/repos/${REPO}/pulls/6`, { auth });
    expect(res.body.head.sha).toBe(pushed.sha);
    tips.feature = pushed.sha;
    expect((await h.call('GET', `/repos/${REPO}/pulls/1`, { auth })).status).toBe(404);
  });

  it('edits title, body and base; closes and reopens', async () => {
    const edited = await h.call<Pull>('PATCH', `/repos/${REPO}/pulls/6`, { auth, body: { title: 'Feature, final', body: 'Ready.', base: 'release' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ title: 'Feature, final', body: 'Ready.', base: { ref: 'release', sha: tips.release } });
    h.clock.now += 1000;
    const closed = await h.call<Pull>('PATCH', `/repos/${REPO}/pulls/6`, { auth, body: { state: 'closed' } });
    expect(closed.body).toMatchObject({ state: 'closed', closed_at: '2026-03-02T10:00:01Z' });
    const reopened = await h.call<Pull>('PATCH', `/repos/${REPO}/pulls/6`, { auth, body: { state: 'open' } });
    expect(reopened.body).toMatchObject({ state: 'open', closed_at: null });
    const badBase = await h.call<Invalid>('PATCH', `/repos/${REPO}/pulls/6`, { auth, body: { base: 'nope' } });
    expect(badBase.body.errors).toEqual([{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
    expect(h.gh.pulls({ repo: REPO })[0]).toMatchObject({ title: 'Feature, final', body: 'Ready.', base: 'release', state: 'open' });
    expect(h.gh.violations()).toEqual([]);
  });

  it('will not reopen next to another open pull request for the same branches', async () => {
    await h.call('PATCH', `/repos/${REPO}/pulls/6`, { auth, body: { state: 'closed' } });
    const second = await h.call<Pull>('POST', `/repos/${REPO}/pulls`, { auth, body: { title: 'Feature, again', head: 'feature', base: 'release' } });
    expect(second.body.number).toBe(7);
    const reopen = await h.call<Invalid>('PATCH', `/repos/${REPO}/pulls/6`, { auth, body: { state: 'open' } });
    expect(reopen.status).toBe(422);
    expect(reopen.body.errors[0]?.message).toBe('A pull request already exists for acme:feature.');
  });
});

describe('listing pull requests', () => {
  beforeAll(async () => {
    h.clock.now += 1000;
    await h.call('POST', `/repos/${REPO}/pulls`, { auth, body: { title: 'Release', head: 'release', base: 'main' } });
  });

  it.each([
    ['', [8, 7]],
    ['?state=closed', [6]],
    ['?state=all', [8, 7, 6]],
    ['?state=all&direction=asc', [6, 7, 8]],
    ['?state=all&head=acme:feature', [7, 6]],
    ['?state=all&head=other:feature', []],
    // GitHub ignores a head without its owner.
    ['?head=feature', [8, 7]],
    ['?base=main', [8]],
    ['?per_page=1&page=2', [7]],
  ])('GET /pulls%s', async (query, numbers) => {
    const res = await h.call<Pull[]>('GET', `/repos/${REPO}/pulls${query}`, { auth });
    expect(res.status).toBe(200);
    expect(res.body.map((p) => p.number)).toEqual(numbers);
    expect(h.gh.violations()).toEqual([]);
  });

  it('lists with the current branch tips', async () => {
    const res = await h.call<Pull[]>('GET', `/repos/${REPO}/pulls?head=acme:release`, { auth });
    expect(res.body.map((p) => [p.head.sha, p.base.sha])).toEqual([[tips.release, tips.main]]);
  });
});
