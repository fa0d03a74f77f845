/**
 * App onboarding and "never lose a delivery" against the fake GitHub:
 * label bootstrap (direct, on installation deliveries, by staff), the
 * scheduled reconciler's parts (redeliver failed deliveries, warn about
 * run:* labels without a run) and the /setup manifest flow. Each test seeds
 * its own installation and repositories and checks only its own paths for
 * OpenAPI violations (the fake is shared by the suite).
 */
import { agentRuns, flowEvents, projects, repositories } from '@stageline/db';
import { DEFAULT_LABEL_CATALOG, labelDefinitions } from '@stageline/policy';
import { sign } from '@octokit/webhooks-methods';
import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import worker from '../../src/index.ts';
import { boundRepositories } from '../../src/db/reconcile-repo.ts';
import { readGitHubAppSettings } from '../../src/env.ts';
import { createReevaluate } from '../../src/scheduled.ts';
import { createGitHubApp } from '../../src/github/github-app.ts';
import { bootstrapLabels } from '../../src/github/label-bootstrap.ts';
import { createLogger } from '../../src/lib/log.ts';
import { missingRunCorrelationId, redeliverFailedDeliveries, warnMissingRuns } from '../../src/reconcile/reconcile-github.ts';
import { BASE, db, fakeGitHub, labeledPayload, onGitHub, postWebhook, seedCluster, testSecrets } from '../helpers.ts';
import { platformAdmin, staffFetch } from '../staff.ts';

const log = createLogger({ test: 'github-onboarding' }, 'warn');
const definitions = labelDefinitions(DEFAULT_LABEL_CATALOG);
const SETUP_TOKEN = 'test-setup-token';
const WAIT = { timeout: 15_000, interval: 100 };

interface LabelView {
  name: string;
  color: string;
  description: string | null;
}
interface RequestView {
  method: string;
  path: string;
}
interface ViolationView {
  path: string;
}

let touched: string[] = [];

beforeEach(() => {
  touched = [];
});

afterEach(async () => {
  expect(touched).not.toEqual([]);
  const mine = (await fakeGitHub<ViolationView[]>('violations')).filter((v) => touched.some((p) => v.path.startsWith(p)));
  expect(mine).toEqual([]);
});

/** An installation of its own with `count` repositories on the fake GitHub. */
async function seedInstallation(count = 1): Promise<{ installationId: number; repos: { id: number; full_name: string; owner: string; name: string }[] }> {
  const installationId = 600_000 + Math.floor(Math.random() * 1e8);
  const repos = Array.from({ length: count }, () => {
    const name = `onboard-${crypto.randomUUID().slice(0, 8)}`;
    return { id: 900_000 + Math.floor(Math.random() * 1e8), full_name: `octo-org/${name}`, owner: 'octo-org', name };
  });
  await fakeGitHub('seedInstallation', { id: installationId, account: 'octo-org', repositories: repos.map((r) => ({ id: r.id, full_name: r.full_name })) });
  touched.push(`/app/installations/${installationId}/`, ...repos.map((r) => `/repos/${r.full_name}/`));
  return { installationId, repos };
}

const labelsOf = (fullName: string) => fakeGitHub<LabelView[]>('repoLabels', { repo: fullName });

/** A project that renamed two labels (docs/domain.md §2.1): ingest, bootstrap and reconciler use these names. */
const RENAMED = { 'run:dev': 'AI: develop', 'need:reviewer': 'review-please' };

async function setLabelNames(projectId: string, labelNames: Record<string, string>): Promise<void> {
  const h = db();
  try {
    await h.db.update(projects).set({ labelNames }).where(eq(projects.id, projectId));
  } finally {
    await h.close();
  }
}
const requestsTo = async (prefix: string) => (await fakeGitHub<RequestView[]>('requests')).filter((r) => r.path.startsWith(prefix));

function client() {
  return createGitHubApp({ settings: readGitHubAppSettings(env), log, now: Date.now }).client;
}

async function sendSigned(event: string, payload: unknown): Promise<Response> {
  const body = JSON.stringify(payload);
  return SELF.fetch(`${BASE}/github/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': await sign(testSecrets().webhook, body) },
    body,
  });
}

describe('label bootstrap', () => {
  it('creates the 53 labels on an empty repository and is a no-op the second time', async () => {
    const { installationId, repos } = await seedInstallation();
    const [r] = repos;
    if (r === undefined) {
      throw new Error('no repo');
    }
    const ref = { installationId, repositoryId: r.id, owner: r.owner, repo: r.name };
    const first = await bootstrapLabels(client(), ref, definitions);
    expect(first).toMatchObject({ ok: true, updated: [], kept: 0 });
    expect(first.created).toHaveLength(53);
    const labels = await labelsOf(r.full_name);
    expect(labels).toHaveLength(53);
    expect(labels.find((l) => l.name === 'run:dev')).toEqual(definitions.find((d) => d.name === 'run:dev'));

    const before = (await requestsTo(`/repos/${r.full_name}/labels`)).length;
    const second = await bootstrapLabels(client(), ref, definitions);
    expect(second).toEqual({ ok: true, created: [], updated: [], kept: 53 });
    const after = (await requestsTo(`/repos/${r.full_name}/labels`)).slice(before);
    expect(after.map((q) => q.method)).toEqual(['GET']);
    expect(await labelsOf(r.full_name)).toEqual(labels);
  });

  it("keeps a user's labels (another case, own colour) and refreshes only its own", async () => {
    const { installationId, repos } = await seedInstallation();
    const [r] = repos;
    if (r === undefined) {
      throw new Error('no repo');
    }
    const plan = definitions.find((d) => d.name === 'run:plan');
    await fakeGitHub('seedLabels', {
      repo: r.full_name,
      labels: [
        { name: 'bug', color: 'd73a4a', description: "Something isn't working" },
        { name: 'RUN:DEV', color: 'ff0000', description: 'our own dev label' },
        { name: 'run:plan', color: '000000', description: plan?.description },
      ],
    });
    const result = await bootstrapLabels(client(), { installationId, repositoryId: r.id, owner: r.owner, repo: r.name }, definitions);
    expect(result).toMatchObject({ ok: true, updated: ['run:plan'], kept: 1 });
    expect(result.created).toHaveLength(51);
    const labels = await labelsOf(r.full_name);
    expect(labels).toHaveLength(54);
    expect(labels.find((l) => l.name === 'bug')).toEqual({ name: 'bug', color: 'd73a4a', description: "Something isn't working" });
    expect(labels.find((l) => l.name.toLowerCase() === 'run:dev')).toEqual({ name: 'RUN:DEV', color: 'ff0000', description: 'our own dev label' });
    expect(labels.find((l) => l.name === 'run:plan')?.color).toBe(plan?.color);
  });

  it('an installation.created delivery (real payload) bootstraps every repository it names', async () => {
    const { installationId, repos } = await seedInstallation(2);
    // The second repository has most labels already: together they stay under the
    // outbox's 80 writes per minute, so the test does not wait for the window to slide.
    await fakeGitHub('seedLabels', { repo: repos[1]?.full_name, labels: definitions.slice(3) });
    const payload = structuredClone(env.TEST_WEBHOOK_EXAMPLES['installation.created']) as Record<string, unknown> & { installation: { id: number }; repositories: Record<string, unknown>[] };
    expect(payload).toMatchObject({ action: 'created' });
    payload.installation.id = installationId;
    const template = payload.repositories[0] ?? {};
    payload.repositories = repos.map((r) => ({ ...template, id: r.id, name: r.name, full_name: r.full_name }));
    const res = await sendSigned('installation', payload);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ignored', reason: 'bind_repositories' });
    for (const r of repos) {
      await vi.waitFor(async () => expect(await labelsOf(r.full_name)).toHaveLength(53), WAIT);
    }
  });

  it('an installation_repositories.added delivery bootstraps the added repository only', async () => {
    const { installationId, repos } = await seedInstallation(2);
    const [added, other] = repos;
    if (added === undefined || other === undefined) {
      throw new Error('no repos');
    }
    const payload = structuredClone(env.TEST_WEBHOOK_EXAMPLES['installation_repositories.added']) as Record<string, unknown> & {
      installation: { id: number };
      repositories_added: Record<string, unknown>[];
      repositories_removed: unknown[];
    };
    payload.installation.id = installationId;
    payload.repositories_added = [{ ...payload.repositories_added[0], id: added.id, name: added.name, full_name: added.full_name }];
    payload.repositories_removed = [];
    const res = await sendSigned('installation_repositories', payload);
    expect(res.status).toBe(200);
    await vi.waitFor(async () => expect(await labelsOf(added.full_name)).toHaveLength(53), WAIT);
    expect(await labelsOf(other.full_name)).toEqual([]);
  });

  it("bootstraps an added repository under the names of the project that claims the installation", async () => {
    const { installationId, repos } = await seedInstallation(1);
    const [added] = repos;
    if (added === undefined) {
      throw new Error('no repos');
    }
    const h = db();
    try {
      const suffix = crypto.randomUUID().slice(0, 8);
      await h.db.insert(projects).values({ slug: `renamed-${suffix}`, name: `renamed-${suffix}`, githubInstallationId: installationId, labelNames: RENAMED });
    } finally {
      await h.close();
    }
    const payload = structuredClone(env.TEST_WEBHOOK_EXAMPLES['installation_repositories.added']) as Record<string, unknown> & {
      installation: { id: number };
      repositories_added: Record<string, unknown>[];
      repositories_removed: unknown[];
    };
    payload.installation.id = installationId;
    payload.repositories_added = [{ ...payload.repositories_added[0], id: added.id, name: added.name, full_name: added.full_name }];
    payload.repositories_removed = [];
    expect((await sendSigned('installation_repositories', payload)).status).toBe(200);
    await vi.waitFor(async () => expect(await labelsOf(added.full_name)).toHaveLength(53), WAIT);
    const names = (await labelsOf(added.full_name)).map((l) => l.name);
    expect(names).toEqual(expect.arrayContaining(['AI: develop', 'review-please', 'run:dev:revise']));
    expect(names).not.toContain('run:dev');
    expect(names).not.toContain('need:reviewer');
  });

  it('staff bootstrap uses the project label names, and refuses names that do not form a catalog', async () => {
    const seeded = await seedCluster();
    const gh = onGitHub(seeded.repoExternalId);
    touched.push(`/repos/${gh.fullName}/`, `/repos/${gh.fullName}?`);
    const h = db();
    const [row] = await h.db.select({ id: repositories.id }).from(repositories).where(eq(repositories.externalId, seeded.repoExternalId));
    await h.close();
    const url = `/api/v1/staff/repositories/${row?.id ?? ''}/labels/bootstrap`;
    await setLabelNames(seeded.projectId, { 'run:dev': 'RUN:QA' });
    const refused = await staffFetch(await platformAdmin(), url, { method: 'POST' });
    expect(refused.status).toBe(412);
    expect(await refused.json()).toMatchObject({ errors: ['labels run:dev and run:qa share the name run:qa'] });
    expect(await labelsOf(gh.fullName)).toEqual([]);
    await setLabelNames(seeded.projectId, RENAMED);
    const done = await staffFetch(await platformAdmin(), url, { method: 'POST' });
    expect(done.status).toBe(200);
    const { created } = await done.json<{ created: string[] }>();
    expect(created).toHaveLength(53);
    expect(created).toEqual(expect.arrayContaining(['AI: develop', 'review-please']));
    expect(created).not.toContain('run:dev');
  });

  it('staff bootstrap a bound repository on demand; unknown and malformed ids are refused', async () => {
    const seeded = await seedCluster();
    const gh = onGitHub(seeded.repoExternalId);
    touched.push(`/repos/${gh.fullName}/`, `/repos/${gh.fullName}?`);
    const h = db();
    const [row] = await h.db.select({ id: repositories.id }).from(repositories).where(eq(repositories.externalId, seeded.repoExternalId));
    await h.close();
    const url = (id: string) => `/api/v1/staff/repositories/${id}/labels/bootstrap`;
    const first = await staffFetch(await platformAdmin(), url(row?.id ?? ''), { method: 'POST' });
    expect(first.status).toBe(200);
    const body = await first.json<{ created: string[]; kept: number }>();
    expect(body.created).toHaveLength(53);
    const again = await staffFetch(await platformAdmin(), url(row?.id ?? ''), { method: 'POST' });
    expect(await again.json()).toMatchObject({ created: [], updated: [], kept: 53 });
    expect((await staffFetch(await platformAdmin(), url(crypto.randomUUID()), { method: 'POST' })).status).toBe(404);
    expect((await staffFetch(await platformAdmin(), url('nope'), { method: 'POST' })).status).toBe(400);
  });
});

describe('reconciler', () => {
  const deps = (h: ReturnType<typeof db>, now = Date.now) => ({ client: client(), db: h.db, now, log });

  it('redelivers a failed delivery once, never an OK one, and stops at the bound', async () => {
    touched.push('/app/hook/deliveries');
    const failedId = 700_000_000 + Math.floor(Math.random() * 1e8);
    const okId = failedId + 1;
    const fourxxId = failedId + 2;
    await fakeGitHub('seedDelivery', { id: failedId, guid: crypto.randomUUID(), event: 'issues', action: 'labeled', status: 'Invalid HTTP Response: 503', status_code: 503 });
    await fakeGitHub('seedDelivery', { id: okId, guid: crypto.randomUUID(), event: 'issues', action: 'labeled' });
    await fakeGitHub('seedDelivery', { id: fourxxId, guid: crypto.randomUUID(), event: 'issues', action: 'opened', status: 'Invalid HTTP Response: 401', status_code: 401 });
    const redelivered = async () => (await fakeGitHub<{ delivery_id: number }[]>('redeliveries')).map((r) => r.delivery_id).filter((id) => [failedId, okId, fourxxId].includes(id));

    const h = db();
    try {
      await redeliverFailedDeliveries(deps(h));
      expect((await redelivered()).sort()).toEqual([failedId, fourxxId]);
      // The next tick (within the pause): nothing again.
      await redeliverFailedDeliveries(deps(h));
      expect(await redelivered()).toHaveLength(2);
      // Later ticks retry until the bound (3 attempts per GUID), then never again.
      let clock = Date.now();
      for (let i = 0; i < 4; i++) {
        clock += 31 * 60_000;
        const at = clock;
        await redeliverFailedDeliveries(deps(h, () => at));
      }
      const ids = await redelivered();
      expect(ids.filter((id) => id === failedId)).toHaveLength(3);
      expect(ids).not.toContain(okId);
    } finally {
      await h.close();
    }
  });

  it('records one runtime warning per open issue whose run:* label has no run, then re-evaluates the label once', async () => {
    const seeded = await seedCluster();
    const gh = onGitHub(seeded.repoExternalId);
    touched.push(`/repos/${gh.fullName}/`, `/repos/${gh.fullName}?`);
    await fakeGitHub('seedIssue', { repo: gh.fullName, number: 11, title: 'Lost label' });
    // octocat (write access) labels the issue in the web UI; the delivery never arrives.
    await fakeGitHub('labelIssue', { repo: gh.fullName, number: 11, label: 'run:dev', actor: 'octocat' });
    await fakeGitHub('seedIssue', { repo: gh.fullName, number: 12, labels: ['run:dev'] });
    await fakeGitHub('seedIssue', { repo: gh.fullName, number: 13, labels: ['bug'] });
    // Issue 12's label did reach the edge: it has a run.
    expect((await postWebhook(JSON.stringify(labeledPayload({ repoId: seeded.repoExternalId, issueNumber: 12, label: 'run:dev' })))).status).toBe(202);

    const h = db();
    const ctx = createExecutionContext();
    try {
      const repos = (await boundRepositories(h.db, 100_000)).filter((r) => r.externalId === seeded.repoExternalId);
      expect(repos).toHaveLength(1);
      const report = await warnMissingRuns(deps(h), repos, { graceMs: 0 });
      expect(report.errors).toEqual([]);
      expect(report.warnings).toEqual([{ issueNumber: 11, label: 'run:dev', repository: gh.fullName, recorded: true, reevaluation: 'not_configured' }]);
      const correlationId = missingRunCorrelationId(seeded.repoExternalId, { issueNumber: 11, label: 'run:dev' });
      const events = await h.db.select().from(flowEvents).where(and(eq(flowEvents.correlationId, correlationId), eq(flowEvents.eventType, 'runtime.warning')));
      expect(events).toHaveLength(1);
      expect(events[0]?.payload).toMatchObject({ source: 'reconciler.missing_run', level: 'warning', issue_number: 11, label: 'run:dev', repository_full_name: gh.fullName });
      // Within the grace period the issue may still be on its way: nothing.
      expect((await warnMissingRuns(deps(h), repos)).warnings).toEqual([]);

      const reevaluating = { ...deps(h), reevaluate: createReevaluate(env) };
      // A failed issues.labeled delivery of this repository may still come back: wait for it.
      const held = await warnMissingRuns(reevaluating, repos, { graceMs: 0, labeledPending: new Set([seeded.repoExternalId]) });
      expect(held.warnings).toEqual([{ issueNumber: 11, label: 'run:dev', repository: gh.fullName, recorded: false, reevaluation: 'held_for_redelivery' }]);
      const done = await warnMissingRuns(reevaluating, repos, { graceMs: 0, labeledPending: new Set() });
      expect(done.warnings).toEqual([{ issueNumber: 11, label: 'run:dev', repository: gh.fullName, recorded: false, reevaluation: 'accepted' }]);
      const [run] = await h.db
        .select({ correlationId: agentRuns.correlationId, triggerLabel: agentRuns.triggerLabel, runPayload: agentRuns.runPayload })
        .from(agentRuns)
        .where(and(eq(agentRuns.projectId, seeded.projectId), eq(agentRuns.issueNumber, 11)));
      expect(run?.correlationId).toMatch(/^reconcile-/);
      expect(run?.runPayload).toMatchObject({ sender: { login: 'octocat' }, trigger: { label: 'run:dev' }, issue: { number: 11, title: 'Lost label' } });
      // The run exists now: no warning, no second run.
      expect((await warnMissingRuns(reevaluating, repos, { graceMs: 0, labeledPending: new Set() })).warnings).toEqual([]);
      await waitOnExecutionContext(ctx);
      // The re-evaluated run posts its status comment like any other.
      await vi.waitFor(async () => expect(await fakeGitHub<unknown[]>('issueComments', { repo: gh.fullName, number: 11 })).toHaveLength(1), WAIT);
    } finally {
      await h.close();
    }
  });
});

describe('reconciler with a project that renamed its labels', () => {
  it("reads the project's trigger names: its renamed label without a run is missing, the default name is not a trigger", async () => {
    const seeded = await seedCluster();
    await setLabelNames(seeded.projectId, RENAMED);
    const gh = onGitHub(seeded.repoExternalId);
    touched.push(`/repos/${gh.fullName}/`, `/repos/${gh.fullName}?`);
    await fakeGitHub('seedIssue', { repo: gh.fullName, number: 21, title: 'Renamed label' });
    await fakeGitHub('labelIssue', { repo: gh.fullName, number: 21, label: 'AI: develop', actor: 'octocat' });
    // Only a label name elsewhere: this project starts nothing from it.
    await fakeGitHub('seedIssue', { repo: gh.fullName, number: 22, labels: ['run:dev'] });
    const h = db();
    const ctx = createExecutionContext();
    try {
      const repos = (await boundRepositories(h.db, 100_000)).filter((r) => r.externalId === seeded.repoExternalId);
      expect(repos.map((r) => r.labelNames)).toEqual([RENAMED]);
      const deps = { client: client(), db: h.db, now: Date.now, log, reevaluate: createReevaluate(env) };
      const report = await warnMissingRuns(deps, repos, { graceMs: 0, labeledPending: new Set() });
      expect(report.errors).toEqual([]);
      expect(report.warnings).toEqual([{ issueNumber: 21, label: 'AI: develop', repository: gh.fullName, recorded: true, reevaluation: 'accepted' }]);
      const runs = await h.db.select({ triggerLabel: agentRuns.triggerLabel, triggerKind: agentRuns.triggerKind }).from(agentRuns).where(eq(agentRuns.projectId, seeded.projectId));
      expect(runs).toEqual([{ triggerLabel: 'AI: develop', triggerKind: 'dev' }]);
      // Names that do not form a catalog: reported, nothing re-evaluated.
      const broken = repos.map((r) => ({ ...r, labelNames: { 'run:dev': 'RUN:QA' } }));
      expect(await warnMissingRuns(deps, broken, { graceMs: 0, labeledPending: new Set() })).toEqual({ repositories: 0, warnings: [], errors: [{ repository: gh.fullName, error: 'invalid_label_names' }] });
      await waitOnExecutionContext(ctx);
    } finally {
      await h.close();
    }
  });
});

describe('scheduled handler', () => {
  it('the cron tick runs the reconciler: a failed delivery is redelivered', async () => {
    touched.push('/app/hook/deliveries');
    const id = 710_000_000 + Math.floor(Math.random() * 1e8);
    await fakeGitHub('seedDelivery', { id, guid: crypto.randomUUID(), event: 'issues', action: 'labeled', status: 'Invalid HTTP Response: 503', status_code: 503 });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '*/10 * * * *', scheduledTime: new Date() }), env, ctx);
    await waitOnExecutionContext(ctx);
    const redelivered = (await fakeGitHub<{ delivery_id: number }[]>('redeliveries')).filter((r) => r.delivery_id === id);
    expect(redelivered).toHaveLength(1);
  });
});

describe('/setup', () => {
  it('is a 404 without the token, with a wrong token, and when no token is configured', async () => {
    touched.push('(no requests)');
    expect((await SELF.fetch(`${BASE}/setup`)).status).toBe(404);
    expect((await SELF.fetch(`${BASE}/setup?token=wrong`)).status).toBe(404);
    expect((await SELF.fetch(`${BASE}/setup/callback?code=x&state=y`, { headers: { 'x-stageline-setup-token': 'wrong' } })).status).toBe(400);
    const unset = await createApp().request(`${BASE}/setup?token=${SETUP_TOKEN}`, {}, { ...env, STAGELINE_SETUP_TOKEN: '' });
    expect(unset.status).toBe(404);
    const unsetCallback = await createApp().request(`${BASE}/setup/callback?code=x&state=y`, {}, { ...env, STAGELINE_SETUP_TOKEN: '' });
    expect(unsetCallback.status).toBe(404);
  });

  it('answers a malformed organization, state or code with 400, and never asks GitHub', async () => {
    touched.push('/app-manifests/');
    expect((await SELF.fetch(`${BASE}/setup?token=${SETUP_TOKEN}&org=${encodeURIComponent('not/an org')}`)).status).toBe(400);
    const form = await SELF.fetch(`${BASE}/setup?token=${SETUP_TOKEN}`);
    const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const action = /<form method="post" action="([^"]+)"/.exec(await form.text())?.[1]?.replace(/&#38;/g, '&') ?? '';
    const state = new URL(action).searchParams.get('state') ?? '';
    const before = (await fakeGitHub<{ path: string }[]>('requests')).filter((r) => r.path.startsWith('/app-manifests/')).length;
    const cases = [
      `code=ok-code&state=${encodeURIComponent('garbage.state')}`,
      `code=${encodeURIComponent('bad code!')}&state=${encodeURIComponent(state)}`,
      `code=${'x'.repeat(201)}&state=${encodeURIComponent(state)}`,
      `state=${encodeURIComponent(state)}`,
    ];
    for (const query of cases) {
      const res = await SELF.fetch(`${BASE}/setup/callback?${query}`, { headers: { cookie } });
      expect(res.status, query.slice(0, 40)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_argument' } });
    }
    const after = (await fakeGitHub<{ path: string }[]>('requests')).filter((r) => r.path.startsWith('/app-manifests/')).length;
    expect(after).toBe(before);
  });

  it('shows the manifest form, then converts the code into the secrets page (no-store)', async () => {
    touched.push('/app-manifests/');
    const form = await SELF.fetch(`${BASE}/setup?token=${SETUP_TOKEN}&org=acme`);
    expect(form.status).toBe(200);
    expect(form.headers.get('cache-control')).toBe('no-store');
    const html = await form.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]?.replace(/&#38;/g, '&') ?? '';
    expect(action).toMatch(/^https:\/\/github\.com\/organizations\/acme\/settings\/apps\/new\?state=/);
    const manifestText = /<textarea name="manifest"[^>]*>([^<]+)<\/textarea>/.exec(html)?.[1]?.replace(/&#34;/g, '"').replace(/&#38;/g, '&') ?? '{}';
    expect(JSON.parse(manifestText)).toMatchObject({
      hook_attributes: { url: `${BASE}/github/webhook`, active: true },
      redirect_url: `${BASE}/setup/callback`,
      callback_urls: [`${BASE}/auth/github/callback`],
      default_permissions: { issues: 'write', pull_requests: 'write', metadata: 'read' },
      default_events: ['issues', 'issue_comment', 'pull_request', 'pull_request_review'],
    });
    const state = decodeURIComponent(new URL(action).searchParams.get('state') ?? '');
    const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^stageline_setup=/);

    const code = `code-${crypto.randomUUID()}`;
    await fakeGitHub('seedManifestCode', { code, slug: 'stageline-acme', webhookSecret: 'whsec-onboarding-test' });
    const callback = `${BASE}/setup/callback?code=${code}&state=${encodeURIComponent(state)}`;
    // Another browser (no cookie) cannot finish the flow.
    expect((await SELF.fetch(callback)).status).toBe(400);
    const done = await SELF.fetch(callback, { headers: { cookie } });
    expect(done.status).toBe(200);
    expect(done.headers.get('cache-control')).toBe('no-store');
    const secrets = await done.text();
    expect(secrets).toContain('STAGELINE_GITHUB_APP_SLUG = "stageline-acme"');
    expect(secrets).toMatch(/GITHUB_APP_ID = "\d+"/);
    expect(secrets).toContain('whsec-onboarding-test');
    expect(secrets).toContain('-----BEGIN RSA PRIVATE KEY-----');
    expect(secrets).toContain('npx wrangler secret put GITHUB_WEBHOOK_SECRET');
    expect(secrets).toContain('npx wrangler secret put GITHUB_APP_PRIVATE_KEY &lt; stageline-app.private-key.pem');
    expect(secrets).toMatch(/GITHUB_APP_CLIENT_ID = "Iv1\.[0-9a-f]+"/);
    expect(secrets).toContain('npx wrangler secret put GITHUB_APP_CLIENT_SECRET');
    // Codes are single use.
    expect((await SELF.fetch(callback, { headers: { cookie } })).status).toBe(400);
  });
});
