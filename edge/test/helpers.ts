import { agentRuns, clusterAgentInstances, clusters, projects, repositories } from '@stageline/db';
import { eq } from 'drizzle-orm';
import { sign } from '@octokit/webhooks-methods';
import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import { hashAgentToken } from '../src/auth/agent-token.ts';
import { createDb, type DbHandle } from '../src/db/client.ts';
import labeled from './fixtures/issues.labeled.json';

export const BASE = 'http://edge.test';

/**
 * The GitHub App secrets the test worker runs with. Optional in the Env type
 * (the first deploy has none, src/env.ts), always set in tests.
 */
export function testSecrets(): { webhook: string; privateKey: string } {
  const all = env as unknown as Env;
  if (all.GITHUB_WEBHOOK_SECRET === undefined || all.GITHUB_APP_PRIVATE_KEY === undefined) {
    throw new Error('the test worker runs without the GitHub App secrets (edge/vitest.config.ts)');
  }
  return { webhook: all.GITHUB_WEBHOOK_SECRET, privateKey: all.GITHUB_APP_PRIVATE_KEY };
}

export function db(): DbHandle {
  return createDb(env);
}

/** Run `fn` with a short-lived database handle. */
export async function withDb<T>(fn: (d: DbHandle['db']) => Promise<T>): Promise<T> {
  const h = db();
  try {
    return await fn(h.db);
  } finally {
    await h.close();
  }
}

/** A fresh cluster + project + repository, so tests never claim each other's runs. */
export async function seedCluster(opts: { slots?: number } = {}): Promise<{ clusterId: string; token: string; repoExternalId: number; projectId: string }> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const clusterId = `c-${suffix}`;
  const token = `tok-${crypto.randomUUID()}`;
  const repoExternalId = 800000 + Math.floor(Math.random() * 1e8);
  const h = db();
  try {
    await h.db.insert(clusters).values({ id: clusterId, name: clusterId, agentTokenHash: await hashAgentToken(token) });
    const [project] = await h.db.insert(projects).values({ slug: `p-${suffix}`, name: `p-${suffix}`, clusterId, slots: opts.slots ?? null }).returning();
    if (project === undefined) {
      throw new Error('no project');
    }
    await h.db.insert(repositories).values({ projectId: project.id, externalId: repoExternalId, owner: 'octo-org', name: `app-${suffix}`, fullName: `octo-org/app-${suffix}` });
    await seedOnGitHub(repoExternalId, `octo-org/app-${suffix}`);
    return { clusterId, token, repoExternalId, projectId: project.id };
  } finally {
    await h.close();
  }
}

/** Repositories seeded on the fake GitHub, by external id (the global one is seeded by global-setup). */
const githubRepos = new Map<number, { fullName: string; installationId: number }>();

/** Call the fake GitHub's control surface (`POST /_fake/<method>`). */
export async function fakeGitHub<T = unknown>(method: string, arg?: unknown): Promise<T> {
  const res = await fetch(`${env.GITHUB_API_URL}/_fake/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(arg ?? null) });
  if (!res.ok) {
    throw new Error(`fake GitHub ${method}: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as T;
}

/** The same repository on the fake GitHub, with its own installation; octocat may write there. */
async function seedOnGitHub(repoExternalId: number, fullName: string): Promise<void> {
  const installationId = 50_000 + Math.floor(Math.random() * 1e8);
  await fakeGitHub('seedInstallation', { id: installationId, account: 'octo-org', repositories: [{ id: repoExternalId, full_name: fullName }] });
  await fakeGitHub('setPermission', { repo: fullName, user: 'octocat', permission: 'write' });
  githubRepos.set(repoExternalId, { fullName, installationId });
}

/** The fake GitHub's view of a seeded repository (its full name and installation). */
export function onGitHub(repoExternalId: number): { fullName: string; installationId: number } {
  return githubRepos.get(repoExternalId) ?? { fullName: 'octo-org/app', installationId: 44001 };
}

export interface LabeledOptions {
  repoId?: number;
  label?: string;
  senderType?: string;
  senderLogin?: string;
  issueNumber?: number;
  /** Labels already on the issue besides the added one. */
  otherLabels?: string[];
}

export function labeledPayload(o: LabeledOptions = {}): Record<string, unknown> {
  const p = structuredClone(labeled) as Record<string, unknown> & typeof labeled;
  const repoId = o.repoId ?? env.TEST_REPO_EXTERNAL_ID;
  const onGitHub = githubRepos.get(repoId);
  p.repository.id = repoId;
  if (onGitHub !== undefined) {
    p.repository.full_name = onGitHub.fullName;
    p.repository.name = onGitHub.fullName.split('/')[1] ?? p.repository.name;
    p.installation.id = onGitHub.installationId;
  }
  p.label.name = o.label ?? 'run:dev';
  // GitHub sends the issue's labels after the change.
  p.issue.labels = [p.label.name, ...(o.otherLabels ?? [])].map((name, i) => ({ ...p.label, id: 5001 + i, name }));
  p.sender.type = o.senderType ?? 'User';
  p.sender.login = o.senderLogin ?? 'octocat';
  p.issue.number = o.issueNumber ?? 7;
  return p;
}

export async function postWebhook(
  body: string,
  headers: { event?: string | null; delivery?: string | null; signature?: string | null } = {},
): Promise<Response> {
  const h = new Headers({ 'content-type': 'application/json' });
  const event = headers.event === undefined ? 'issues' : headers.event;
  const delivery = headers.delivery === undefined ? crypto.randomUUID() : headers.delivery;
  const signature = headers.signature === undefined ? await sign(testSecrets().webhook, body) : headers.signature;
  if (event !== null) {
    h.set('x-github-event', event);
  }
  if (delivery !== null) {
    h.set('x-github-delivery', delivery);
  }
  if (signature !== null) {
    h.set('x-hub-signature-256', signature);
  }
  return SELF.fetch(`${BASE}/github/webhook`, { method: 'POST', headers: h, body });
}

/** A connected WebSocket with a queue of parsed JSON messages. */
export interface TestSocket {
  ws: WebSocket;
  next(predicate?: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(frame: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

export function wrapSocket(ws: WebSocket): TestSocket {
  const queue: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  let onClose: (v: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((r) => (onClose = r));
  ws.accept();
  ws.addEventListener('message', (e) => {
    queue.push(JSON.parse(String(e.data)) as Record<string, unknown>);
    waiters.splice(0).forEach((w) => w());
  });
  ws.addEventListener('close', (e) => onClose({ code: e.code, reason: e.reason }));
  const next = async (predicate: (m: Record<string, unknown>) => boolean = () => true, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = queue.findIndex(predicate);
      if (i >= 0) {
        return queue.splice(i, 1)[0] as Record<string, unknown>;
      }
      if (Date.now() > deadline) {
        throw new Error(`no matching message; queue: ${JSON.stringify(queue).slice(0, 500)}`);
      }
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return { ws, next, send: (f) => ws.send(JSON.stringify(f)), closed };
}

export async function connectAgent(token: string, instanceId: string): Promise<TestSocket> {
  const res = await SELF.fetch(`${BASE}/agent/connect`, {
    headers: { upgrade: 'websocket', authorization: `Bearer ${token}`, 'x-stageline-instance-id': instanceId },
  });
  if (res.webSocket === null) {
    throw new Error(`upgrade failed: ${res.status} ${await res.text()}`);
  }
  return wrapSocket(res.webSocket);
}

export function hello(instanceId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'hello', id: `h-${crypto.randomUUID().slice(0, 8)}`, protocolVersion: '1.1.0', policyVersion: '1.0.0', instanceId, agentVersion: 'test', ...overrides };
}

/**
 * Both test databases keep concurrent sessions apart (PGlite gives its single
 * backend to one session at a time: drizzle/dev/pglite-server.mjs), so the
 * concurrency tests run on each.
 */
export const hasIsolatedTransactions = true;

/** A second project (own repository) on an existing cluster. */
export async function seedProject(clusterId: string, slots: number | null = null): Promise<{ repoExternalId: number; projectId: string }> {
  const suffix = crypto.randomUUID().slice(0, 8);
  const repoExternalId = 800000 + Math.floor(Math.random() * 1e8);
  const h = db();
  try {
    const [project] = await h.db.insert(projects).values({ slug: `p-${suffix}`, name: `p-${suffix}`, clusterId, slots }).returning();
    if (project === undefined) {
      throw new Error('no project');
    }
    await h.db.insert(repositories).values({ projectId: project.id, externalId: repoExternalId, owner: 'octo-org', name: `app-${suffix}`, fullName: `octo-org/app-${suffix}` });
    await seedOnGitHub(repoExternalId, `octo-org/app-${suffix}`);
    return { repoExternalId, projectId: project.id };
  } finally {
    await h.close();
  }
}

/** Simulate an agent that stopped heartbeating: its instance row expires. */
export async function expireInstance(instanceId: string): Promise<void> {
  const h = db();
  try {
    await h.db.update(clusterAgentInstances).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(clusterAgentInstances.instanceId, instanceId));
  } finally {
    await h.close();
  }
}

/** A `run:dev` label on the repository, answered 202: the new run's id. */
export async function createRun(repoId: number): Promise<string> {
  const res = await postWebhook(JSON.stringify(labeledPayload({ repoId })));
  expect(res.status).toBe(202);
  return (await res.json<{ runId: string }>()).runId;
}

/** An agent socket that has said hello and been welcomed. */
export async function readyAgent(token: string, id: string): Promise<TestSocket> {
  const socket = await connectAgent(token, id);
  socket.send(hello(id));
  await socket.next((m) => m.type === 'welcome');
  return socket;
}

/** Claim up to `limit` runs and return the claimed ones (shape per test). */
export async function claimRuns<T>(socket: TestSocket, limit = 10): Promise<T[]> {
  const id = `c-${crypto.randomUUID().slice(0, 8)}`;
  socket.send({ type: 'claim', id, limit });
  return (await socket.next((m) => m.type === 'claim.result' && m.ref === id)).runs as T[];
}

/** The run's row as stored now. */
export async function runRow(runId: string) {
  const h = db();
  try {
    return (await h.db.select().from(agentRuns).where(eq(agentRuns.id, runId)))[0];
  } finally {
    await h.close();
  }
}

/** A claimed run as the claim frame carries it. */
export type ClaimedRunOfTest = { runId: string; epoch: number; attemptNo: number; runToken: string; correlationId: string };

/** A `run:dev` run on a fresh cluster, claimed by an agent: the cluster, the holder's socket and the claim. */
export async function claimedRun(): Promise<{ seeded: Awaited<ReturnType<typeof seedCluster>>; a: TestSocket; run: ClaimedRunOfTest }> {
  const seeded = await seedCluster();
  const runId = await createRun(seeded.repoExternalId);
  const a = await readyAgent(seeded.token, `${seeded.clusterId}/a`);
  const [run] = await claimRuns<ClaimedRunOfTest>(a);
  expect(run?.runId).toBe(runId);
  if (run === undefined) {
    throw new Error('no claim');
  }
  return { seeded, a, run };
}
