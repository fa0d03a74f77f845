import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { REPO, startHarness } from './harness.ts';

let h: Harness;
let token: string;
let startMs: number;
beforeAll(async () => {
  const started = Date.now();
  h = await startHarness();
  startMs = Date.now() - started;
  h.gh.seedIssue({ repo: REPO, number: 1, title: 'Add widget', labels: ['bug'] });
  token = await h.mintToken();
});
afterAll(async () => {
  await h.gh.close();
});
beforeEach(() => {
  h.gh.clearObservations();
});

describe('requests checked against GitHub OpenAPI description', () => {
  it('starts fast even though it loads the description', () => {
    expect(startMs).toBeLessThan(2000);
  });

  it('answers an unknown path 404 and records an unknown-path violation', async () => {
    const res = await h.call('GET', `/repos/${REPO}/widgets`, { auth: `token ${token}` });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    expect(h.gh.violations()).toEqual([expect.objectContaining({ kind: 'unknown-path', method: 'GET', path: `/repos/${REPO}/widgets` })]);
  });

  it('answers a wrong method 404 and records a wrong-method violation naming the allowed ones', async () => {
    const res = await h.call('PUT', `/repos/${REPO}/labels`, { auth: `token ${token}`, body: { name: 'x' } });
    expect(res.status).toBe(404);
    expect(h.gh.violations()).toEqual([expect.objectContaining({ kind: 'wrong-method', details: ['/repos/{owner}/{repo}/labels allows GET, POST'] })]);
  });

  it('answers a body that breaks the schema 422 and records invalid-body', async () => {
    const res = await h.call<{ message: string }>('POST', `/repos/${REPO}/issues/1/reactions`, { auth: `token ${token}`, body: { content: 'thumbsup' } });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/^Invalid request\.\n\n/);
    expect(h.gh.violations()).toEqual([expect.objectContaining({ kind: 'invalid-body', operationId: 'reactions/create-for-issue' })]);
    expect(h.gh.issueReactions({ repo: REPO, number: 1 })).toEqual([]);
  });

  it('reports a missing required body field the way GitHub words it', async () => {
    const res = await h.call<{ message: string }>('POST', `/repos/${REPO}/issues/1/comments`, { auth: `token ${token}`, body: {} });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain(`"body" wasn't supplied.`);
    expect(h.gh.violations()[0]?.kind).toBe('invalid-body');
  });

  it('answers unparseable JSON 400 "Problems parsing JSON" and records invalid-json', async () => {
    const res = await h.call('POST', `/repos/${REPO}/issues/1/comments`, { auth: `token ${token}`, rawBody: '{"body": ' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'Problems parsing JSON' });
    expect(h.gh.violations()[0]?.kind).toBe('invalid-json');
  });

  it('checks query parameters against their schemas', async () => {
    const res = await h.call('GET', `/repos/${REPO}/issues?state=everything`, { auth: `token ${token}` });
    expect(res.status).toBe(422);
    expect(h.gh.violations()[0]).toMatchObject({ kind: 'invalid-query', operationId: 'issues/list-for-repo' });
  });

  it('answers a non-numeric path parameter 404 and records invalid-path-param', async () => {
    const res = await h.call('GET', `/repos/${REPO}/issues/one`, { auth: `token ${token}` });
    expect(res.status).toBe(404);
    expect(h.gh.violations()[0]).toMatchObject({ kind: 'invalid-path-param', operationId: 'issues/get' });
  });

  it('records an endpoint GitHub has but the fake does not implement', async () => {
    const res = await h.call('DELETE', `/repos/${REPO}/labels/bug`, { auth: `token ${token}` });
    expect(res.status).toBe(404);
    expect(h.gh.violations()).toEqual([expect.objectContaining({ kind: 'unimplemented', operationId: 'issues/delete-label' })]);
  });

  it('prefers literal path segments: /issues/comments/{id} is not /issues/{issue_number}', async () => {
    const created = await h.call<{ id: number }>('POST', `/repos/${REPO}/issues/1/comments`, { auth: `token ${token}`, body: { body: 'first' } });
    const res = await h.call('PATCH', `/repos/${REPO}/issues/comments/${created.body.id}`, { auth: `token ${token}`, body: { body: 'edited' } });
    expect(res.status).toBe(200);
    expect(h.gh.violations()).toEqual([]);
  });

  it("validates the fake's own answers: a full tour leaves no violations", async () => {
    const auth = `token ${token}`;
    const app = `Bearer ${h.jwt()}`;
    h.gh.seedIssue({ repo: REPO, number: 2, title: 'PR', isPullRequest: true, labels: ['ready'] });
    h.gh.seedDelivery({ id: 1, event: 'issues', action: 'opened', status: 'OK', status_code: 200 });
    const calls: [string, string, string, unknown?][] = [
      ['GET', '/app/installations/77', app],
      ['GET', `/repos/${REPO}/installation`, app],
      ['GET', `/repos/${REPO}/issues?state=all&labels=ready&per_page=1`, auth],
      ['GET', `/repos/${REPO}/issues/2`, auth],
      ['GET', `/repos/${REPO}/pulls/2`, auth],
      ['GET', `/repos/${REPO}/labels`, auth],
      ['POST', `/repos/${REPO}/labels`, auth, { name: 'stage:build', color: '00ff00', description: 'Build stage' }],
      ['GET', `/repos/${REPO}/labels/stage:build`, auth],
      ['PATCH', `/repos/${REPO}/labels/stage:build`, auth, { new_name: 'stage:test' }],
      ['POST', `/repos/${REPO}/issues/2/labels`, auth, { labels: ['stage:test'] }],
      ['GET', `/repos/${REPO}/issues/2/labels`, auth],
      ['DELETE', `/repos/${REPO}/issues/2/labels/stage:test`, auth],
      ['POST', `/repos/${REPO}/issues/2/comments`, auth, { body: 'Run started' }],
      ['GET', `/repos/${REPO}/issues/2/comments`, auth],
      ['POST', `/repos/${REPO}/issues/2/reactions`, auth, { content: 'rocket' }],
      ['GET', `/repos/${REPO}/collaborators/octocat/permission`, auth],
      ['GET', '/app/hook/deliveries?per_page=10', app],
      ['GET', '/app/hook/deliveries/1', app],
      ['POST', '/app/hook/deliveries/1/attempts', app],
    ];
    for (const [method, path, authorization, body] of calls) {
      const res = await h.call(method, path, { auth: authorization, body });
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
    }
    expect(h.gh.violations()).toEqual([]);
  });

  it('serves violations and the request log over HTTP for workerd tests', async () => {
    await h.call('GET', '/nope', { auth: `token ${token}` });
    const violations = (await (await fetch(`${h.gh.url}/_fake/violations`)).json()) as unknown[];
    expect(violations).toEqual([expect.objectContaining({ kind: 'unknown-path', path: '/nope' })]);
    const requests = (await (await fetch(`${h.gh.url}/_fake/requests`)).json()) as unknown[];
    expect(requests).toEqual([expect.objectContaining({ method: 'GET', path: '/nope', status: 404, tokenKind: 'installation' })]);
  });
});
