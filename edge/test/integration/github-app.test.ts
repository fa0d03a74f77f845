/**
 * The GitHub App client and the GitHubOutbox against the in-repo fake GitHub
 * (github-fake/, started by global-setup.ts): it verifies App JWTs against
 * the public key, mints tokens, stores comments/labels/reactions, injects
 * secondary rate limits and records every request that breaks GitHub's
 * OpenAPI description. Each test uses its own installation and repository.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAppJwtSigner, toPkcs8Pem } from '../../src/github/app-jwt.ts';
import { createGitHubApp } from '../../src/github/github-app.ts';
import type { RepoRef } from '../../src/github/github-client.ts';
import { createInstallationTokenSource, TOKEN_REFRESH_BEFORE_MS } from '../../src/github/installation-token.ts';
import { createRestTransport } from '../../src/github/rest-transport.ts';
import { githubOutboxOf } from '../../src/composition/durable-objects.ts';
import { statusCommentMarker, type OutboxThread } from '../../src/do/github-outbox-state.ts';
import { readGitHubAppSettings } from '../../src/env.ts';
import { testSecrets } from '../helpers.ts';
import { createLogger } from '../../src/lib/log.ts';

const log = createLogger({ test: 'github-app' }, 'warn');

async function fake<T = unknown>(method: string, input?: unknown): Promise<T> {
  const res = await fetch(`${env.GITHUB_API_URL}/_fake/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: input === undefined ? '' : JSON.stringify(input),
  });
  const body = await res.text();
  if (res.status !== 200) {
    throw new Error(`fake ${method}: ${res.status} ${body}`);
  }
  return JSON.parse(body) as T;
}

/**
 * Path prefixes this test touches: the fake is shared by the whole suite, so
 * each test checks only its own requests for OpenAPI violations.
 */
let touched: string[] = [];

interface Seeded {
  installationId: number;
  repo: RepoRef;
  fullName: string;
  thread: OutboxThread;
}

async function seed(issueNumber = 7): Promise<Seeded> {
  const installationId = 100_000 + Math.floor(Math.random() * 1e8);
  const repositoryId = 200_000 + Math.floor(Math.random() * 1e8);
  const name = `app-${crypto.randomUUID().slice(0, 8)}`;
  const fullName = `octo-org/${name}`;
  await fake('seedInstallation', { id: installationId, account: 'octo-org', repositories: [{ id: repositoryId, full_name: fullName }] });
  await fake('seedIssue', { repo: fullName, number: issueNumber, title: 'Add a thing' });
  const repo = { installationId, repositoryId, owner: 'octo-org', repo: name };
  touched.push(`/repos/${fullName}/`, `/repos/${fullName}?`, `/app/installations/${installationId}/`);
  return { installationId, repo, fullName, thread: { repositoryId, owner: 'octo-org', repo: name, number: issueNumber } };
}

interface CommentView {
  id: number;
  body: string;
  user: string;
}

interface TokenView {
  installation_id: number;
  requested: { repository_ids?: number[]; permissions?: Record<string, string> };
}

interface RequestView {
  method: string;
  path: string;
  status: number;
  installationId: number | null;
  at: number;
}

const tokensOf = async (installationId: number) => (await fake<TokenView[]>('tokens')).filter((t) => t.installation_id === installationId);
const commentsOf = (s: Seeded) => fake<CommentView[]>('issueComments', { repo: s.fullName, number: s.thread.number });
const outbox = (installationId: number) => githubOutboxOf(env, installationId);

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) {
      return v;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface ViolationView {
  path: string;
}

beforeEach(() => {
  touched = [];
});

afterEach(async () => {
  expect(touched).not.toEqual([]);
  const mine = (await fake<ViolationView[]>('violations')).filter((v) => touched.some((p) => v.path.startsWith(p)));
  expect(mine).toEqual([]);
});

describe('App JWT and installation tokens', () => {
  it('the PKCS#1 key GitHub hands out is converted to the PKCS#8 Node exports for the same key', () => {
    touched.push('(no requests)');
    expect(toPkcs8Pem(env.TEST_GITHUB_APP_PRIVATE_KEY_PKCS8)).toBe(env.TEST_GITHUB_APP_PRIVATE_KEY_PKCS8.replace(/\r\n/g, '\n'));
    expect(testSecrets().privateKey).toContain('-----BEGIN RSA PRIVATE KEY-----');
    expect(toPkcs8Pem(testSecrets().privateKey).trim()).toBe(env.TEST_GITHUB_APP_PRIVATE_KEY_PKCS8.trim());
    // Literal "\n" as pasted into a dashboard works too.
    expect(toPkcs8Pem(testSecrets().privateKey.replace(/\n/g, '\\n'))).toBe(toPkcs8Pem(testSecrets().privateKey));
  });

  it('a PKCS#1-signed App JWT is accepted; a token is minted once per repository and scope and shared by concurrent callers', async () => {
    const s = await seed();
    const settings = readGitHubAppSettings(env);
    const app = createGitHubApp({ settings, log, now: Date.now });
    const results = await Promise.all(Array.from({ length: 5 }, () => app.tokens.get({ installationId: s.installationId, repositoryId: s.repo.repositoryId, scope: 'issuesWrite' })));
    const tokens = new Set(results.map((r) => (r.ok ? r.value.token : `error:${r.error.kind}`)));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).not.toMatch(/^error:/);
    const again = await app.tokens.get({ installationId: s.installationId, repositoryId: s.repo.repositoryId, scope: 'issuesWrite' });
    expect(again.ok && again.value.token).toBe([...tokens][0]);

    const minted = await tokensOf(s.installationId);
    expect(minted).toHaveLength(1);
    expect(minted[0]?.requested).toEqual({ repository_ids: [s.repo.repositoryId], permissions: { issues: 'write', metadata: 'read' } });

    // Another scope is another (narrow) token.
    const read = await app.tokens.get({ installationId: s.installationId, repositoryId: s.repo.repositoryId, scope: 'metadataRead' });
    expect(read.ok).toBe(true);
    expect((await tokensOf(s.installationId)).map((t) => t.requested.permissions)).toEqual([{ issues: 'write', metadata: 'read' }, { metadata: 'read' }]);
  });

  it('reuses the token until five minutes before expires_at, then mints a new one', async () => {
    const s = await seed();
    const settings = readGitHubAppSettings(env);
    const start = Date.now();
    let clock = start;
    // The JWT must satisfy the fake's real clock; only the cache sees the moved clock.
    const appJwt = createAppJwtSigner({ appId: settings.appId, privateKeyPem: settings.privateKeyPem, now: Date.now });
    const transport = createRestTransport({ apiUrl: settings.apiUrl, log, now: Date.now });
    const tokens = createInstallationTokenSource({ transport, appJwt, now: () => clock });
    const req = { installationId: s.installationId, repositoryId: s.repo.repositoryId, scope: 'issuesWrite' as const };

    const first = await tokens.get(req);
    expect(first.ok).toBe(true);
    const expiresAt = first.ok ? first.value.expiresAt : 0;
    clock = expiresAt - TOKEN_REFRESH_BEFORE_MS - 1000;
    const cached = await tokens.get(req);
    expect(cached.ok && first.ok && cached.value.token === first.value.token).toBe(true);
    expect(await tokensOf(s.installationId)).toHaveLength(1);

    clock = expiresAt - TOKEN_REFRESH_BEFORE_MS + 1000;
    const renewed = await tokens.get(req);
    expect(renewed.ok && first.ok && renewed.value.token !== first.value.token).toBe(true);
    expect(await tokensOf(s.installationId)).toHaveLength(2);
  });
});

describe('REST client', () => {
  it('every method speaks GitHub’s OpenAPI description', async () => {
    const s = await seed();
    const thread = { ...s.thread, installationId: s.installationId };
    const { client } = createGitHubApp({ settings: readGitHubAppSettings(env), log, now: Date.now });
    touched.push('/app/hook/deliveries', '/app-manifests/', '/repos/octo-org/no-such-repo/');

    await fake('setPermission', { repo: s.fullName, user: 'alice', permission: 'write' });
    const perm = await client.getCollaboratorPermission(s.repo, 'alice');
    expect(perm.ok && perm.value.permission).toBe('write');

    const created = await client.createLabel(s.repo, { name: 'run:dev', color: 'aabbcc', description: 'dev stage' });
    expect(created.ok).toBe(true);
    const updated = await client.updateLabel(s.repo, 'run:dev', { color: '112233' });
    expect(updated.ok && updated.value.color).toBe('112233');
    const labels = await client.listRepoLabels(s.repo);
    expect(labels.ok && labels.value.map((l) => l.name)).toContain('run:dev');

    expect((await client.addIssueLabels(thread, ['run:dev', 'need:input'])).ok).toBe(true);
    const removed = await client.removeIssueLabel(thread, 'need:input');
    expect(removed.ok && removed.value.map((l) => l.name)).toEqual(['run:dev']);
    expect(await fake('issueLabels', { repo: s.fullName, number: thread.number })).toEqual(['run:dev']);
    const missing = await client.removeIssueLabel(thread, 'need:input');
    expect(!missing.ok && missing.error.kind).toBe('not_found');

    const issues = await client.listIssues(s.repo, { labels: ['run:dev'] });
    expect(issues.ok && issues.value.map((i) => i.number)).toEqual([thread.number]);

    const comment = await client.createIssueComment(thread, 'hello <!-- m1 -->');
    expect(comment.ok).toBe(true);
    if (comment.ok) {
      expect((await client.updateIssueComment(thread, comment.value.id, 'edited <!-- m1 -->')).ok).toBe(true);
    }
    const found = await client.findIssueCommentByMarker(thread, '<!-- m1 -->');
    expect(found.ok && found.value?.body).toBe('edited <!-- m1 -->');
    const none = await client.findIssueCommentByMarker(thread, '<!-- m2 -->');
    expect(none.ok && none.value).toBeNull();
    expect((await client.createIssueReaction(thread, 'eyes')).ok).toBe(true);

    const installation = await client.getRepoInstallation('octo-org', s.repo.repo);
    expect(installation.ok && installation.value.id).toBe(s.installationId);

    const deliveryId = 300_000 + Math.floor(Math.random() * 1e8);
    await fake('seedDelivery', { id: deliveryId, event: 'issues', action: 'labeled', installation_id: s.installationId, repository_id: s.repo.repositoryId, status: 'Invalid HTTP Response: 500' });
    const deliveries = await client.listAppHookDeliveries();
    expect(deliveries.ok && deliveries.value.some((d) => d.id === deliveryId)).toBe(true);
    expect((await client.redeliverAppHookDelivery(deliveryId)).ok).toBe(true);

    const code = `code-${crypto.randomUUID()}`;
    await fake('seedManifestCode', { code });
    const conversion = await client.convertAppManifest(code);
    expect(conversion.ok && typeof conversion.value.pem).toBe('string');

    const unknown = await client.getCollaboratorPermission({ ...s.repo, repo: 'no-such-repo' }, 'alice');
    expect(unknown.ok).toBe(false);
  });
});

describe('GitHubOutbox', () => {
  it('creates the status comment once and edits it in place across updates, coalescing and retries', async () => {
    const s = await seed();
    const stub = outbox(s.installationId);
    const runId = crypto.randomUUID();
    const marker = statusCommentMarker(runId);
    const status = (body: string) => ({ kind: 'status-comment' as const, thread: s.thread, runId, body });

    await stub.enqueue(s.installationId, [status('phase: created')]);
    await stub.drain();
    let comments = await commentsOf(s);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(marker);
    const commentId = comments[0]?.id;

    // Three phases queued before the outbox runs: one write, the newest text.
    const queued = await stub.enqueue(s.installationId, [status('phase: preparing_runtime'), status('phase: started'), status('phase: ready')]);
    expect(queued.coalesced).toBe(2);
    expect((await stub.status()).queued.length).toBeLessThanOrEqual(1);
    await stub.drain();
    comments = await commentsOf(s);
    expect(comments.map((c) => c.id)).toEqual([commentId]);
    expect(comments[0]?.body).toContain('phase: ready');

    // The outbox lost the remembered id (a retry after a lost response looks
    // the same): the marker finds the comment instead of posting a second one.
    await runInDurableObject(stub, async (_instance, state) => {
      await state.storage.delete(`c:status-comment:${runId}`);
    });
    await stub.enqueue(s.installationId, [status('phase: finished')]);
    await stub.drain();

    // A rate-limited edit is retried, not dropped and not duplicated.
    await fake('injectSecondaryRateLimit', { installationId: s.installationId, count: 1, status: 429, retryAfterSeconds: 1 });
    await stub.enqueue(s.installationId, [status('phase: namespace_deleted')]);
    const blocked = await stub.drain();
    expect(blocked.queued).toHaveLength(1);
    expect((await commentsOf(s))[0]?.body).toContain('phase: finished');
    const final = await waitFor(
      () => commentsOf(s),
      (c) => c[0]?.body.includes('phase: namespace_deleted') === true,
    );
    expect(final.map((c) => c.id)).toEqual([commentId]);
    expect(final.filter((c) => c.body.includes(marker))).toHaveLength(1);
    expect((await stub.status()).queued).toEqual([]);
    // One POST ever; every later phase was a PATCH of that comment.
    const sent = (await fake<RequestView[]>('requests')).filter((r) => r.installationId === s.installationId && r.status < 300);
    expect(sent.filter((r) => r.method === 'POST' && r.path.endsWith(`/issues/${s.thread.number}/comments`))).toHaveLength(1);
    expect(sent.filter((r) => r.method === 'PATCH').length).toBeGreaterThanOrEqual(3);
  });

  it('a secondary rate limit delays the writes; afterwards all of them land, in order', async () => {
    const s = await seed();
    const stub = outbox(s.installationId);
    await fake('injectSecondaryRateLimit', { installationId: s.installationId, count: 1, status: 403, retryAfterSeconds: 1 });
    const { seqs } = await stub.enqueue(s.installationId, [
      { kind: 'comment', thread: s.thread, key: 'first', body: 'first' },
      { kind: 'add-labels', thread: s.thread, labels: ['state:running', 'need:input'] },
      { kind: 'comment', thread: s.thread, key: 'second', body: 'second' },
      { kind: 'reaction', thread: s.thread, content: 'eyes' },
      { kind: 'remove-label', thread: s.thread, label: 'need:input' },
      { kind: 'comment', thread: s.thread, key: 'third', body: 'third' },
    ]);
    expect(seqs).toHaveLength(6);

    const blocked = await stub.drain();
    expect(blocked.queued).toHaveLength(6);
    expect(blocked.nextAlarm).not.toBeNull();
    expect(await commentsOf(s)).toEqual([]);

    // The alarm fires at the allowed time by itself.
    const done = await waitFor(
      () => stub.status(),
      (st) => st.queued.length === 0,
    );
    expect(done.queued).toEqual([]);
    expect(done.dead).toEqual([]);
    expect((await commentsOf(s)).map((c) => c.body.split('\n')[0])).toEqual(['first', 'second', 'third']);
    expect(await fake('issueLabels', { repo: s.fullName, number: s.thread.number })).toEqual(['state:running']);
    expect((await fake<{ content: string }[]>('issueReactions', { repo: s.fullName, number: s.thread.number })).map((r) => r.content)).toEqual(['eyes']);

    // Nothing was sent to GitHub before retry-after passed.
    const writes = (await fake<RequestView[]>('requests')).filter((r) => r.installationId === s.installationId && r.method !== 'GET');
    const limited = writes.find((r) => r.status === 403);
    expect(limited).toBeDefined();
    const after = writes.filter((r) => r.at > (limited?.at ?? 0));
    expect(after).toHaveLength(6);
    expect(Math.min(...after.map((r) => r.at)) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });
});
