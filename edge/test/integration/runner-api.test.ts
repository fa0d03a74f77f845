// The runner's API (edge/src/routes/runner-api.ts): events stored once per
// (run, attempt, seq), the runner's phase and failure reason on the run, the
// session written compare-and-set, git credentials scoped to the run's
// repository, and every refusal a 4xx that writes nothing.

import { runEvents, runSessions } from '@stageline/db';
import { env, SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { mintRunToken } from '../../src/auth/run-token.ts';
import { BASE, claimedRun, db, fakeGitHub, onGitHub, runRow } from '../helpers.ts';

const call = (token: string | null, method: string, path: string, body?: unknown) =>
  SELF.fetch(`${BASE}${path}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });

async function storedEvents(runId: string) {
  const h = db();
  try {
    return await h.db.select().from(runEvents).where(eq(runEvents.runId, runId)).orderBy(runEvents.seq);
  } finally {
    await h.close();
  }
}

async function sessionRows() {
  const h = db();
  try {
    return await h.db.select().from(runSessions);
  } finally {
    await h.close();
  }
}

describe('POST /runner/v1/events', () => {
  it('stores each event once, and shows the latest phase and a failure reason on the run', async () => {
    const { run } = await claimedRun();
    const batch = {
      events: [
        { seq: 0, kind: 'phase', data: { phase: 'workspace' } },
        { seq: 1, kind: 'agent_message', data: { text: 'looking' } },
        { seq: 2, kind: 'phase', data: { phase: 'agent' } },
      ],
    };
    const first = await call(run.runToken, 'POST', '/runner/v1/events', batch);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: 3, stored: 3, acked_through: 2 });
    // Re-sent after a lost answer: acknowledged, nothing stored twice.
    const again = await call(run.runToken, 'POST', '/runner/v1/events', batch);
    expect(await again.json()).toEqual({ received: 3, stored: 0, acked_through: 2 });
    expect((await storedEvents(run.runId)).map((e) => [e.seq, e.kind])).toEqual([[0, 'phase'], [1, 'agent_message'], [2, 'phase']]);
    expect((await runRow(run.runId))?.runnerPhase).toBe('agent');
    await call(run.runToken, 'POST', '/runner/v1/events', { events: [{ seq: 3, kind: 'finished', data: { outcome: 'failed', reason: 'scope_violation: src/a.ts' } }] });
    expect(await runRow(run.runId)).toMatchObject({ runnerReason: 'scope_violation: src/a.ts', runnerPhase: 'finished' });
  });

  it.each([
    ['not JSON', 400, '{"events":'],
    ['an unknown kind', 400, { events: [{ seq: 0, kind: 'rm -rf', data: {} }] }],
    ['a negative seq', 400, { events: [{ seq: -1, kind: 'phase', data: {} }] }],
    ['no events', 400, { events: [] }],
    ['too many events', 400, { events: Array.from({ length: 501 }, (_, seq) => ({ seq, kind: 'usage', data: {} })) }],
    ['an oversized body', 413, { events: [{ seq: 0, kind: 'agent_message', data: { text: 'x'.repeat(300_000) } }] }],
  ])('answers %s with %i and stores nothing', async (_name, status, body) => {
    const { run } = await claimedRun();
    const res = await call(run.runToken, 'POST', '/runner/v1/events', body);
    expect(res.status).toBe(status);
    expect(await storedEvents(run.runId)).toEqual([]);
  });

  it('refuses a missing, expired or finished run\'s token with 401', async () => {
    const { a, run } = await claimedRun();
    const body = { events: [{ seq: 0, kind: 'phase', data: { phase: 'spec' } }] };
    expect((await call(null, 'POST', '/runner/v1/events', body)).status).toBe(401);
    const expired = await mintRunToken(env.STAGELINE_MCP_TOKEN_SIGNING_KEY, { runId: run.runId, epoch: 1, attemptNo: 1, scope: ['get-run'], now: new Date(Date.now() - 3600_000), ttlSeconds: 900 });
    expect((await call(expired.token, 'POST', '/runner/v1/events', body)).status).toBe(401);
    a.send({ type: 'run.status', id: 'done', runId: run.runId, epoch: 1, status: 'failed', reason: 'job failed' });
    await a.next((m) => m.type === 'ack' && m.ref === 'done');
    expect((await call(run.runToken, 'POST', '/runner/v1/events', body)).status).toBe(401);
    expect(await storedEvents(run.runId)).toEqual([]);
  });
});

describe('/runner/v1/session', () => {
  it('creates, reads and replaces a session compare-and-set; a stale version is a 409', async () => {
    const { run } = await claimedRun();
    const before = (await sessionRows()).length;
    expect((await call(run.runToken, 'GET', '/runner/v1/session')).status).toBe(404);
    const archive = btoa('codex session files');
    const put = await call(run.runToken, 'PUT', '/runner/v1/session', { engine: 'codex', session_id: 'thread-1', archive, expected_version: 0 });
    expect(await put.json()).toEqual({ version: 1 });
    const read = await call(run.runToken, 'GET', '/runner/v1/session');
    expect(read.headers.get('cache-control')).toBe('no-store');
    expect(await read.json()).toEqual({ engine: 'codex', session_id: 'thread-1', archive, version: 1 });
    // Another writer read version 0 too: refused, the stored session unchanged.
    const stale = await call(run.runToken, 'PUT', '/runner/v1/session', { engine: 'codex', session_id: 'thread-2', archive, expected_version: 0 });
    expect(stale.status).toBe(409);
    const next = await call(run.runToken, 'PUT', '/runner/v1/session', { engine: 'codex', session_id: 'thread-1', archive: btoa('more'), expected_version: 1 });
    expect(await next.json()).toEqual({ version: 2 });
    expect((await sessionRows()).length).toBe(before + 1);
  });

  it.each([
    ['an unknown engine', { engine: 'gpt-cli', session_id: 's', archive: '', expected_version: 0 }],
    ['an archive that is not base64', { engine: 'codex', session_id: 's', archive: 'not base64!', expected_version: 0 }],
    ['a negative version', { engine: 'codex', session_id: 's', archive: '', expected_version: -1 }],
  ])('answers %s with 400', async (_name, body) => {
    const { run } = await claimedRun();
    expect((await call(run.runToken, 'PUT', '/runner/v1/session', body)).status).toBe(400);
    expect((await call(run.runToken, 'GET', '/runner/v1/session')).status).toBe(404);
  });
});

describe('/runner/v1/git-credentials', () => {
  it('issues a token for the run\'s repository only, with contents write for a writing stage, and revokes it', async () => {
    const { seeded, run } = await claimedRun();
    const res = await call(run.runToken, 'POST', '/runner/v1/git-credentials');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.json<{ username: string; token: string; expires_at: string; write: boolean }>();
    expect(body).toMatchObject({ username: 'x-access-token', write: true });
    // The token opens the run's repository for a push over git's smart HTTP, and no other repository.
    const basic = `Basic ${btoa(`${body.username}:${body.token}`)}`;
    const refs = (fullName: string) => fetch(`${env.GITHUB_API_URL}/${fullName}.git/info/refs?service=git-receive-pack`, { headers: { authorization: basic } });
    expect((await refs(onGitHub(seeded.repoExternalId).fullName)).status).toBe(200);
    expect((await refs('octo-org/app')).status).toBe(403);
    expect((await call(run.runToken, 'DELETE', '/runner/v1/git-credentials', { token: body.token })).status).toBe(204);
    expect((await refs(onGitHub(seeded.repoExternalId).fullName)).status).toBe(401);
  });

  it('refuses without a run token, and answers 400 for a revoke without a token', async () => {
    const { run } = await claimedRun();
    expect((await call(null, 'POST', '/runner/v1/git-credentials')).status).toBe(401);
    expect((await call(run.runToken, 'DELETE', '/runner/v1/git-credentials', {})).status).toBe(400);
  });
});

describe('POST /runner/v1/pull-request', () => {
  async function pushedBranch(repoExternalId: number): Promise<string> {
    const { fullName } = onGitHub(repoExternalId);
    await fakeGitHub('seedRepositoryContent', { repo: fullName, files: { 'README.md': 'app\n' } });
    await fakeGitHub('seedRepositoryContent', { repo: fullName, branch: 'codex/issue-7', files: { 'src/fix.js': 'export {};\n' }, message: 'fix' });
    return fullName;
  }

  it('answers 429 with Retry-After when GitHub rate-limits the create, writes nothing, and opens the draft on the retry', async () => {
    const { seeded, run } = await claimedRun();
    const fullName = await pushedBranch(seeded.repoExternalId);
    await fakeGitHub('injectSecondaryRateLimit', { installationId: onGitHub(seeded.repoExternalId).installationId, count: 1, retryAfterSeconds: 30 });
    const limited = await call(run.runToken, 'POST', '/runner/v1/pull-request', { title: 'Fix (#7)', summary: 'done' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(25);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(31);
    expect(await limited.json()).toEqual({ error: { code: 'resource_exhausted', message: expect.any(String) } });
    expect(await fakeGitHub('pulls', { repo: fullName })).toEqual([]);
    expect((await runRow(run.runId))?.pullRequestNumber).toBeNull();

    const opened = await call(run.runToken, 'POST', '/runner/v1/pull-request', { title: 'Fix (#7)', summary: 'done' });
    expect(opened.status).toBe(200);
    const pr = await opened.json<{ number: number; created: boolean; head: string }>();
    expect(pr).toMatchObject({ created: true, head: 'codex/issue-7' });
    const pulls = await fakeGitHub<{ number: number; draft: boolean; body: string }[]>('pulls', { repo: fullName });
    expect(pulls).toEqual([expect.objectContaining({ number: pr.number, draft: true, body: expect.stringMatching(/^Closes #7/) })]);
    expect((await runRow(run.runId))?.pullRequestNumber).toBe(pr.number);
  });

  it('refuses a malformed body with 400 and opens nothing', async () => {
    const { seeded, run } = await claimedRun();
    const fullName = await pushedBranch(seeded.repoExternalId);
    expect((await call(run.runToken, 'POST', '/runner/v1/pull-request', '{"title":')).status).toBe(400);
    expect((await call(run.runToken, 'POST', '/runner/v1/pull-request', { title: 7 })).status).toBe(400);
    expect(await fakeGitHub('pulls', { repo: fullName })).toEqual([]);
  });
});
