import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { OTHER_REPO, REPO, startHarness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.gh.seedIssue({ repo: REPO, number: 1 });
  h.gh.seedIssue({ repo: OTHER_REPO, number: 1 });
  h.gh.seedIssue({ repo: REPO, number: 2, isPullRequest: true });
});
afterAll(async () => {
  await h.gh.close();
});

describe('installation token scope', () => {
  it('a token narrowed to one repository cannot touch another (404, as GitHub hides private repos)', async () => {
    const token = await h.mintToken({ repositories: ['widgets'] });
    expect((await h.call('POST', `/repos/${REPO}/issues/1/comments`, { auth: `token ${token}`, body: { body: 'ok' } })).status).toBe(201);
    const other = await h.call('POST', `/repos/${OTHER_REPO}/issues/1/comments`, { auth: `token ${token}`, body: { body: 'no' } });
    expect(other.status).toBe(404);
    expect(h.gh.issueComments({ repo: OTHER_REPO, number: 1 })).toEqual([]);
  });

  it('a read-only token cannot write (403 Resource not accessible by integration)', async () => {
    const token = await h.mintToken({ permissions: { issues: 'read' } });
    const res = await h.call('POST', `/repos/${REPO}/issues/1/labels`, { auth: `Bearer ${token}`, body: { labels: ['x'] } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ message: 'Resource not accessible by integration' });
    expect((await h.call('GET', `/repos/${REPO}/issues/1/labels`, { auth: `Bearer ${token}` })).status).toBe(200);
  });

  it('accepts pull-requests write for the issues endpoints of a pull request, not of an issue', async () => {
    const token = await h.mintToken({ permissions: { pull_requests: 'write' } });
    const onPr = await h.call('POST', `/repos/${REPO}/issues/2/comments`, { auth: `token ${token}`, body: { body: 'review notes' } });
    expect(onPr.status).toBe(201);
    const commentId = (onPr.body as { id: number }).id;
    expect((await h.call('PATCH', `/repos/${REPO}/issues/comments/${commentId}`, { auth: `token ${token}`, body: { body: 'edited' } })).status).toBe(200);
    expect((await h.call('POST', `/repos/${REPO}/issues/2/labels`, { auth: `token ${token}`, body: { labels: ['need:input'] } })).status).toBe(200);
    expect((await h.call('POST', `/repos/${REPO}/issues/1/comments`, { auth: `token ${token}`, body: { body: 'no' } })).status).toBe(403);
  });

  it('requires authentication and rejects unknown tokens', async () => {
    expect(await h.call('GET', `/repos/${REPO}/labels`)).toMatchObject({ status: 401, body: { message: 'Requires authentication' } });
    expect(await h.call('GET', `/repos/${REPO}/labels`, { auth: 'token ghs_madeup' })).toMatchObject({ status: 401, body: { message: 'Bad credentials' } });
  });

  it('refuses the App JWT on repository content endpoints', async () => {
    const res = await h.call('GET', `/repos/${REPO}/labels`, { auth: `Bearer ${h.jwt()}` });
    expect(res.status).toBe(403);
  });

  it('logs the kind of credential of each request', async () => {
    h.gh.clearObservations();
    const token = await h.mintToken();
    await h.call('GET', `/repos/${REPO}/labels`, { auth: `token ${token}` });
    await h.call('GET', `/repos/${REPO}/labels`, { auth: 'token ghs_madeup' });
    expect(h.gh.requests().map((r) => [r.method, r.status, r.tokenKind])).toEqual([
      ['POST', 201, 'app-jwt'],
      ['GET', 200, 'installation'],
      ['GET', 401, 'invalid'],
    ]);
  });
});

describe('collaborator permission', () => {
  it.each([
    ['admin', 'admin'],
    ['maintain', 'write'],
    ['write', 'write'],
    ['triage', 'read'],
    ['read', 'read'],
    ['none', 'none'],
  ] as const)('role %s reads as legacy permission %s with role_name kept', async (role, legacy) => {
    const token = await h.mintToken();
    h.gh.setPermission({ repo: REPO, user: `dev-${role}`, permission: role });
    const res = await h.call<{ permission: string; role_name: string; user: { login: string; type: string } }>('GET', `/repos/${REPO}/collaborators/dev-${role}/permission`, { auth: `token ${token}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ permission: legacy, role_name: role, user: { login: `dev-${role}`, type: 'User' } });
  });

  it('reports a Bot user type and 404 for accounts that do not exist', async () => {
    const token = await h.mintToken();
    h.gh.setPermission({ repo: REPO, user: 'renovate[bot]', permission: 'write', type: 'Bot' });
    const bot = await h.call('GET', `/repos/${REPO}/collaborators/renovate%5Bbot%5D/permission`, { auth: `token ${token}` });
    expect(bot.body).toMatchObject({ user: { login: 'renovate[bot]', type: 'Bot' } });
    const ghost = await h.call('GET', `/repos/${REPO}/collaborators/nobody-at-all/permission`, { auth: `token ${token}` });
    expect(ghost.status).toBe(404);
    expect(h.gh.violations()).toEqual([]);
  });
});
