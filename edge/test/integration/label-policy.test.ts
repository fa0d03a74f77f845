// The label policy through the real pipeline: signed deliveries into workerd,
// decisions stored in Postgres, the sender's permission and every GitHub write
// against the fake GitHub (which checks each call against GitHub's OpenAPI).
import { agentRuns, flowEvents, projectMembers, projects } from '@stageline/db';
import { eq } from 'drizzle-orm';
import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { connectAgent, db, fakeGitHub, hello, labeledPayload, onGitHub, postWebhook, seedCluster } from '../helpers.ts';

const WAIT = { timeout: 10_000, interval: 50 };

type Comment = { id: number; body: string };
type Request = { method: string; path: string; status: number };
type Violation = { path: string };

async function runsOf(deliveryId: string) {
  const h = db();
  try {
    return await h.db.select().from(agentRuns).where(eq(agentRuns.correlationId, deliveryId));
  } finally {
    await h.close();
  }
}

async function auditOf(deliveryId: string) {
  const h = db();
  try {
    return await h.db.select().from(flowEvents).where(eq(flowEvents.correlationId, deliveryId));
  } finally {
    await h.close();
  }
}

const comments = (repo: string, number: number) => fakeGitHub<Comment[]>('issueComments', { repo, number });
const labelsOn = (repo: string, number: number) => fakeGitHub<string[]>('issueLabels', { repo, number });

async function send(payload: Record<string, unknown>, event = 'issues', delivery = crypto.randomUUID()) {
  const res = await postWebhook(JSON.stringify(payload), { delivery, event });
  return { status: res.status, body: await res.json<Record<string, unknown>>(), delivery };
}

/** No request of this repository broke GitHub's published description. */
async function expectNoViolations(repo: string): Promise<void> {
  const violations = await fakeGitHub<Violation[]>('violations');
  expect(violations.filter((v) => v.path.includes(repo))).toEqual([]);
}

async function seededIssue(number: number, labels: string[] = []) {
  const seeded = await seedCluster();
  const { fullName } = onGitHub(seeded.repoExternalId);
  await fakeGitHub('seedIssue', { repo: fullName, number, title: `Issue ${number}`, labels });
  return { ...seeded, fullName };
}

describe('label policy: accepted triggers', () => {
  it('turns run:plan into an em run with its runtime and profile, an eyes reaction and one status comment', async () => {
    const s = await seededIssue(31, ['run:plan', '[ai-reasoning-low]']);
    const sent = await send(labeledPayload({ repoId: s.repoExternalId, label: 'run:plan', issueNumber: 31, otherLabels: ['[ai-reasoning-low]'] }));
    expect(sent.status).toBe(202);
    const [run] = await runsOf(sent.delivery);
    expect(run).toMatchObject({ triggerKind: 'plan', agentKey: 'em', triggerLabel: 'run:plan', issueNumber: 31 });
    expect(run?.runPayload).toMatchObject({
      trigger: { source: 'issue_label', kind: 'plan' },
      runtime: { mode: 'full-env', target_env: 'ai', access_profile: 'candidate' },
      profile: { model: 'gpt-5.4', model_source: 'agent_default', reasoning_effort: 'low', reasoning_source: 'issue_label' },
      actor: { reason: 'repository_permission_write' },
    });
    await vi.waitFor(async () => {
      const on = await comments(s.fullName, 31);
      expect(on).toHaveLength(1);
      expect(on[0]?.body).toContain(`<!-- stageline:run:${run?.id ?? ''} -->`);
      expect(on[0]?.body).toContain('Agent launch planned');
    }, WAIT);
    await vi.waitFor(async () => expect(await fakeGitHub<{ content: string }[]>('issueReactions', { repo: s.fullName, number: 31 })).toEqual([expect.objectContaining({ content: 'eyes' })]), WAIT);
    await expectNoViolations(s.fullName);
  });

  it('asks GitHub once for a sender labelling several issues (permission cached)', async () => {
    const s = await seededIssue(40);
    await fakeGitHub('seedIssue', { repo: s.fullName, number: 41 });
    const before = (await fakeGitHub<Request[]>('requests')).filter((r) => r.path.includes(`${s.fullName}/collaborators/`)).length;
    for (const issueNumber of [40, 41]) {
      expect((await send(labeledPayload({ repoId: s.repoExternalId, issueNumber }))).status).toBe(202);
    }
    const asked = (await fakeGitHub<Request[]>('requests')).filter((r) => r.path.includes(`${s.fullName}/collaborators/`));
    expect(asked.length - before).toBe(1);
  });

  it('creates one run for the same delivery sent 1,000 times at once', async () => {
    const s = await seededIssue(50);
    const body = JSON.stringify(labeledPayload({ repoId: s.repoExternalId, issueNumber: 50 }));
    const delivery = crypto.randomUUID();
    const answers = await Promise.all(Array.from({ length: 1000 }, () => postWebhook(body, { delivery }).then((r) => r.status)));
    expect(answers.filter((a) => a === 202)).toHaveLength(1);
    expect(answers.filter((a) => a === 200)).toHaveLength(999);
    expect(await runsOf(delivery)).toHaveLength(1);
    await vi.waitFor(async () => expect(await comments(s.fullName, 50)).toHaveLength(1), WAIT);
  });

  it('accepts a real @octokit/webhooks-examples issues.labeled payload, signed for real', async () => {
    const payload = structuredClone(env.TEST_WEBHOOK_EXAMPLES['issues.labeled'] ?? {});
    const label = { ...(payload.label as Record<string, unknown> | undefined), name: 'run:dev' };
    payload.label = label;
    (payload.issue as Record<string, unknown>).labels = [label];
    const sent = await send(payload);
    expect(sent.status).toBe(202);
    expect(await runsOf(sent.delivery)).toEqual([expect.objectContaining({ triggerKind: 'dev', issueNumber: 7 })]);
  });
});

describe('installation events bind repositories', () => {
  it('binds added repositories to the project that claims the installation, and unbinds removed ones', async () => {
    const s = await seedCluster();
    const installationId = 70_000_000 + Math.floor(Math.random() * 1e6);
    const repoId = 90_000_000 + Math.floor(Math.random() * 1e6);
    const fullName = `octo-org/bound-${repoId}`;
    const h = db();
    try {
      await h.db.update(projects).set({ githubInstallationId: installationId }).where(eq(projects.id, s.projectId));
    } finally {
      await h.close();
    }
    await fakeGitHub('seedInstallation', { id: installationId, account: 'octo-org', repositories: [{ id: repoId, full_name: fullName }] });
    await fakeGitHub('setPermission', { repo: fullName, user: 'octocat', permission: 'write' });
    await fakeGitHub('seedIssue', { repo: fullName, number: 5 });
    const labelOn = () => {
      const p = labeledPayload({ issueNumber: 5 });
      Object.assign(p, { repository: { ...(p.repository as object), id: repoId, full_name: fullName, name: `bound-${repoId}` }, installation: { id: installationId } });
      return p;
    };
    expect((await send(labelOn())).body).toMatchObject({ reason: 'repository_not_bound_for_issue_label' });

    const event = structuredClone(env.TEST_WEBHOOK_EXAMPLES['installation_repositories.added'] ?? {});
    const repos = [{ ...(event.repositories_added as object[] | undefined)?.[0], id: repoId, name: `bound-${repoId}`, full_name: fullName }];
    Object.assign(event, { installation: { ...(event.installation as object), id: installationId }, repositories_added: repos, repositories_removed: [] });
    expect((await send(event, 'installation_repositories')).status).toBe(200);
    // The repository's inbox forgets its cached binding after the commit (a moment later).
    await vi.waitFor(async () => expect((await send(labelOn())).status).toBe(202), WAIT);

    Object.assign(event, { action: 'removed', repositories_added: [], repositories_removed: repos });
    expect((await send(event, 'installation_repositories')).status).toBe(200);
    await vi.waitFor(async () => expect((await send(labelOn())).body).toMatchObject({ reason: 'repository_not_bound_for_issue_label' }), WAIT);
  });
});

describe('label policy: per-project label names', () => {
  async function setLabelNames(projectId: string, labelNames: Record<string, string>) {
    const h = db();
    try {
      await h.db.update(projects).set({ labelNames }).where(eq(projects.id, projectId));
    } finally {
      await h.close();
    }
  }

  it('starts runs from the names a project configured, matched case-insensitively, and no longer from the defaults', async () => {
    const s = await seededIssue(32);
    await setLabelNames(s.projectId, { 'run:dev': 'AI: Develop' });
    const renamed = await send(labeledPayload({ repoId: s.repoExternalId, label: 'ai: develop', issueNumber: 32 }));
    expect(renamed.status).toBe(202);
    expect(await runsOf(renamed.delivery)).toEqual([expect.objectContaining({ triggerKind: 'dev', triggerLabel: 'AI: Develop' })]);
    await fakeGitHub('seedIssue', { repo: s.fullName, number: 33 });
    const old = await send(labeledPayload({ repoId: s.repoExternalId, label: 'run:dev', issueNumber: 33 }));
    expect(old.body).toMatchObject({ status: 'ignored', reason: 'issue_event_not_trigger_label' });
  });

  it('starts nothing while the configuration is broken', async () => {
    const s = await seededIssue(34);
    await setLabelNames(s.projectId, { 'run:dev': 'run:qa' });
    const sent = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 34 }));
    expect(sent.body).toMatchObject({ status: 'ignored', reason: 'project_label_config_invalid' });
    expect(await runsOf(sent.delivery)).toEqual([]);
  });
});

describe('label policy: refusals explain themselves', () => {
  it('refuses a reader with a comment naming them, and no run', async () => {
    const s = await seededIssue(60);
    await fakeGitHub('setPermission', { repo: s.fullName, user: 'reader', permission: 'read' });
    const sent = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 60, senderLogin: 'reader' }));
    expect(sent).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'sender_permission_read_not_permitted' } });
    expect(await runsOf(sent.delivery)).toEqual([]);
    const [audit] = await auditOf(sent.delivery);
    expect(audit?.payload).toMatchObject({ outcome: 'ignored', reason: 'sender_permission_read_not_permitted' });
    await vi.waitFor(async () => expect((await comments(s.fullName, 60)).map((c) => c.body)).toEqual([expect.stringContaining('@reader needs write')]), WAIT);
    expect(await labelsOn(s.fullName, 60)).not.toContain('need:input');
    await expectNoViolations(s.fullName);
  });

  it('lets a read_write project member start agents without repository write, and refuses a read member', async () => {
    const s = await seededIssue(67);
    await fakeGitHub('seedIssue', { repo: s.fullName, number: 68 });
    await fakeGitHub('setPermission', { repo: s.fullName, user: 'pm-paula', permission: 'read' });
    await fakeGitHub('setPermission', { repo: s.fullName, user: 'viewer-vic', permission: 'read' });
    const h = db();
    try {
      await h.db.insert(projectMembers).values([
        { projectId: s.projectId, githubLogin: 'pm-paula', role: 'read_write' },
        { projectId: s.projectId, githubLogin: 'viewer-vic', role: 'read' },
      ]);
    } finally {
      await h.close();
    }
    const member = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 67, senderLogin: 'PM-Paula' }));
    expect(member.status).toBe(202);
    expect((await runsOf(member.delivery))[0]?.runPayload).toMatchObject({ actor: { reason: 'project_member_read_write' } });
    const viewer = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 68, senderLogin: 'viewer-vic' }));
    expect(viewer.body).toMatchObject({ status: 'ignored', reason: 'sender_role_read_not_permitted' });
  });

  it('refuses someone GitHub does not know as a collaborator', async () => {
    const s = await seededIssue(61);
    await fakeGitHub('setPermission', { repo: s.fullName, user: 'drive-by', permission: 'none' });
    const sent = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 61, senderLogin: 'drive-by' }));
    expect(sent.body).toMatchObject({ status: 'ignored', reason: 'sender_permission_none_not_permitted' });
  });

  it('refuses a bot without asking GitHub for its permission', async () => {
    const s = await seededIssue(62);
    const sent = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 62, senderType: 'Bot', senderLogin: 'ci[bot]' }));
    expect(sent.body).toMatchObject({ status: 'ignored', reason: 'sender_type_bot_not_permitted' });
    const asked = (await fakeGitHub<Request[]>('requests')).filter((r) => r.path.includes(`${s.fullName}/collaborators/ci`));
    expect(asked).toEqual([]);
    await vi.waitFor(async () => expect(await comments(s.fullName, 62)).toHaveLength(1), WAIT);
  });

  it('refuses a sender whose login no GitHub account can have, without asking GitHub, and holds nothing behind it', async () => {
    const s = await seededIssue(63);
    const login = 'x'.repeat(5000);
    const sent = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 63, senderLogin: login }));
    expect(sent).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'sender_login_invalid' } });
    const asked = (await fakeGitHub<Request[]>('requests')).filter((r) => r.path.includes(`${s.fullName}/collaborators/xxxx`));
    expect(asked).toEqual([]);
    // The repository's next delivery is applied at once, not queued behind a retry.
    await fakeGitHub('setPermission', { repo: s.fullName, user: 'next-up', permission: 'write' });
    const next = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 63, senderLogin: 'next-up' }));
    expect(next).toMatchObject({ status: 202, body: { status: 'accepted' } });
  });

  it('applies another issue of the repository while one waits for GitHub, and keeps one issue in order', async () => {
    const s = await seededIssue(64);
    await fakeGitHub('seedIssue', { repo: s.fullName, number: 65, title: 'Issue 65', labels: [] });
    await fakeGitHub('setPermission', { repo: s.fullName, user: 'slow-sam', permission: 'write' });
    await fakeGitHub('holdRequests', { pathContains: `${s.fullName}/collaborators/slow-sam/` });
    try {
      const order: string[] = [];
      const waiting = send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 64, senderLogin: 'slow-sam' })).then((r) => (order.push('first'), r));
      await vi.waitFor(async () => expect((await fakeGitHub<{ waiting: number }[]>('heldRequests'))[0]?.waiting).toBe(1), WAIT);
      // Issue 64's next delivery waits behind the first; issue 65's goes through meanwhile.
      const sameIssue = send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 64, label: 'run:plan' })).then((r) => (order.push('second'), r));
      const otherIssue = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 65 }));
      expect(otherIssue).toMatchObject({ status: 202, body: { status: 'accepted' } });
      expect(order).toEqual([]);
      await fakeGitHub('releaseRequests');
      const [first] = await Promise.all([waiting, sameIssue]);
      expect(first.body).toMatchObject({ status: 'accepted' });
      expect(order).toEqual(['first', 'second']);
    } finally {
      await fakeGitHub('releaseRequests');
    }
  });

  it('lists conflicting stage labels, without need:input', async () => {
    const s = await seededIssue(63, ['run:dev', 'run:plan']);
    const sent = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 63, otherLabels: ['run:plan'] }));
    expect(sent.body).toMatchObject({ status: 'ignored', reason: 'issue_trigger_label_conflict' });
    await vi.waitFor(async () => expect((await comments(s.fullName, 63))[0]?.body).toContain('`run:plan`, `run:dev`'), WAIT);
    expect(await labelsOn(s.fullName, 63)).not.toContain('need:input');
  });

  it('asks for input when qa has no candidate, and when two model labels compete', async () => {
    const s = await seededIssue(64, ['run:qa']);
    const qa = await send(labeledPayload({ repoId: s.repoExternalId, label: 'run:qa', issueNumber: 64 }));
    expect(qa.body).toMatchObject({ status: 'ignored', reason: 'issue_trigger_candidate_not_found' });
    await vi.waitFor(async () => expect(await labelsOn(s.fullName, 64)).toContain('need:input'), WAIT);
    await vi.waitFor(async () => expect((await comments(s.fullName, 64))[0]?.body).toContain('`run:dev`'), WAIT);

    await fakeGitHub('seedIssue', { repo: s.fullName, number: 65 });
    const models = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 65, otherLabels: ['[ai-model-gpt-5.2]', '[ai-model-gpt-5.4]'] }));
    expect(models.body).toMatchObject({ status: 'ignored', reason: 'multiple_model_labels' });
    await vi.waitFor(async () => expect(await labelsOn(s.fullName, 65)).toContain('need:input'), WAIT);
    await expectNoViolations(s.fullName);
  });

  it('explains a refusal once even when the delivery is sent again', async () => {
    const s = await seededIssue(66, ['run:dev', 'run:qa']);
    const payload = labeledPayload({ repoId: s.repoExternalId, issueNumber: 66, otherLabels: ['run:qa'] });
    const delivery = crypto.randomUUID();
    await send(payload, 'issues', delivery);
    expect((await send(payload, 'issues', delivery)).body).toEqual({ status: 'duplicate' });
    await vi.waitFor(async () => expect(await comments(s.fullName, 66)).toHaveLength(1), WAIT);
  });
});

describe('label policy: revise, discussion and reviews', () => {
  it('refuses a revise without an earlier run, and accepts it after one', async () => {
    const s = await seededIssue(70, ['run:plan:revise']);
    const early = await send(labeledPayload({ repoId: s.repoExternalId, label: 'run:plan:revise', issueNumber: 70 }));
    expect(early.body).toMatchObject({ status: 'ignored', reason: 'revise_without_lineage' });
    expect((await send(labeledPayload({ repoId: s.repoExternalId, label: 'run:plan', issueNumber: 70 }))).status).toBe(202);
    const revise = await send(labeledPayload({ repoId: s.repoExternalId, label: 'run:plan:revise', issueNumber: 70 }));
    expect(revise.status).toBe(202);
    expect(await runsOf(revise.delivery)).toEqual([expect.objectContaining({ triggerKind: 'plan_revise', agentKey: 'em' })]);
  });

  it('keeps one discussion run per issue, and a stage label ends it', async () => {
    const s = await seededIssue(71, ['mode:discussion']);
    const opened = await send(labeledPayload({ repoId: s.repoExternalId, label: 'mode:discussion', issueNumber: 71 }));
    expect(opened.status).toBe(202);
    const [discussion] = await runsOf(opened.delivery);
    expect(discussion?.runPayload).toMatchObject({ discussion_mode: true, runtime: { mode: 'code-only' } });
    const comment = structuredClone(env.TEST_WEBHOOK_EXAMPLES['issue_comment.created'] ?? {});
    Object.assign(comment, { repository: { ...(comment.repository as object), id: s.repoExternalId, full_name: s.fullName }, installation: { id: onGitHub(s.repoExternalId).installationId } });
    Object.assign(comment.issue as object, { number: 71, labels: [{ name: 'mode:discussion' }], pull_request: undefined });
    const again = await send(comment, 'issue_comment');
    expect(again.body).toMatchObject({ status: 'ignored', reason: 'discussion_run_active' });

    const stage = await send(labeledPayload({ repoId: s.repoExternalId, label: 'run:dev', issueNumber: 71, otherLabels: ['mode:discussion'] }));
    expect(stage.status).toBe(202);
    const h = db();
    try {
      const [after] = await h.db.select().from(agentRuns).where(eq(agentRuns.id, discussion?.id ?? ''));
      expect(after).toMatchObject({ status: 'canceled', statusReason: 'discussion_ended' });
    } finally {
      await h.close();
    }
  });

  it('starts a reviewer from need:reviewer on a PR, and cancels it when the PR closes', async () => {
    const s = await seededIssue(85);
    await fakeGitHub('seedIssue', { repo: s.fullName, number: 86, isPullRequest: true, labels: ['need:reviewer'], headSha: 'b'.repeat(40) });
    const labeled = structuredClone(env.TEST_WEBHOOK_EXAMPLES['pull_request.labeled'] ?? {});
    const pr = { ...(labeled.pull_request as object), number: 86, labels: [{ name: 'need:reviewer' }], head: { ...(labeled.pull_request as { head?: object }).head, sha: 'b'.repeat(40) } };
    Object.assign(labeled, {
      repository: { ...(labeled.repository as object), id: s.repoExternalId, full_name: s.fullName },
      installation: { id: onGitHub(s.repoExternalId).installationId },
      label: { ...(labeled.label as object), name: 'need:reviewer' },
      pull_request: pr,
    });
    const sent = await send(labeled, 'pull_request');
    expect(sent.status).toBe(202);
    const [reviewer] = await runsOf(sent.delivery);
    expect(reviewer).toMatchObject({ agentKey: 'reviewer', triggerKind: 'dev', triggerLabel: 'need:reviewer', issueNumber: null });
    expect(reviewer?.runPayload).toMatchObject({ stage: { write_scope: 'no_repo_changes' }, runtime: { build_ref: 'b'.repeat(40) } });
    // The status comment goes to the PR's conversation.
    await vi.waitFor(async () => expect(await comments(s.fullName, 86)).toHaveLength(1), WAIT);

    const closed = structuredClone(labeled);
    closed.action = 'closed';
    expect((await send(closed, 'pull_request')).body).toMatchObject({ status: 'accepted', action: 'pull_request_closed', canceled: [reviewer?.id] });
    await vi.waitFor(async () => expect((await comments(s.fullName, 86)).map((c) => c.body)).toEqual([expect.stringContaining('Run canceled')]), WAIT);
    await expectNoViolations(s.fullName);
  });

  it('starts a review-driven revise from changes requested on a PR with one stage label, and asks when two', async () => {
    const s = await seededIssue(80);
    await fakeGitHub('seedIssue', { repo: s.fullName, number: 81, isPullRequest: true, labels: ['run:dev'], headSha: 'a'.repeat(40) });
    const review = structuredClone(env.TEST_WEBHOOK_EXAMPLES['pull_request_review.submitted'] ?? {});
    const installation = { id: onGitHub(s.repoExternalId).installationId };
    const pr = { ...(review.pull_request as object), number: 81, labels: [{ name: 'run:dev' }], head: { ...(review.pull_request as { head?: object }).head, sha: 'a'.repeat(40) } };
    Object.assign(review, { repository: { ...(review.repository as object), id: s.repoExternalId, full_name: s.fullName }, installation, pull_request: pr, review: { ...(review.review as object), state: 'changes_requested' } });
    const sent = await send(review, 'pull_request_review');
    expect(sent.status).toBe(202);
    expect(await runsOf(sent.delivery)).toEqual([expect.objectContaining({ triggerKind: 'dev_revise', triggerLabel: 'run:dev:revise' })]);
    expect((await runsOf(sent.delivery))[0]?.runPayload).toMatchObject({ trigger: { source: 'pull_request_review' }, runtime: { build_ref: 'a'.repeat(40) } });

    const twoStages = structuredClone(review);
    Object.assign(twoStages.pull_request as object, { labels: [{ name: 'run:dev' }, { name: 'run:qa' }] });
    const ambiguous = await send(twoStages, 'pull_request_review');
    expect(ambiguous.body).toMatchObject({ status: 'ignored', reason: 'pull_request_review_stage_ambiguous' });
    await vi.waitFor(async () => expect(await labelsOn(s.fullName, 81)).toContain('need:input'), WAIT);
    await expectNoViolations(s.fullName);
  });
});

describe('the status comment follows the run', () => {
  const isType = (type: string) => (m: Record<string, unknown>) => m.type === type;

  it('is edited in place as the run starts and finishes, and says canceled when the issue closes', async () => {
    const s = await seededIssue(90);
    await fakeGitHub('seedIssue', { repo: s.fullName, number: 91 });
    const first = await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 90 }));
    const runId = String(first.body.runId);
    const agent = await connectAgent(s.token, `${s.clusterId}/a`);
    agent.send(hello(`${s.clusterId}/a`));
    await agent.next(isType('welcome'));
    agent.send({ type: 'claim', id: 'c1', limit: 1 });
    await agent.next(isType('claim.result'));
    agent.send({ type: 'run.status', id: 's1', runId, epoch: 1, status: 'running', jobName: 'stageline-run-x-1', namespace: 'stageline-issue-x' });
    await agent.next(isType('ack'));
    await vi.waitFor(async () => expect((await comments(s.fullName, 90)).map((c) => c.body)).toEqual([expect.stringContaining('Agent running')]), WAIT);
    agent.send({ type: 'run.status', id: 's2', runId, epoch: 1, status: 'succeeded' });
    await agent.next(isType('ack'));
    await vi.waitFor(async () => expect((await comments(s.fullName, 90)).map((c) => c.body)).toEqual([expect.stringContaining('Agent finished')]), WAIT);

    await send(labeledPayload({ repoId: s.repoExternalId, issueNumber: 91 }));
    await vi.waitFor(async () => expect(await comments(s.fullName, 91)).toHaveLength(1), WAIT);
    const closed = labeledPayload({ repoId: s.repoExternalId, issueNumber: 91 });
    closed.action = 'closed';
    expect((await send(closed)).body).toMatchObject({ action: 'issue_closed' });
    await vi.waitFor(async () => expect((await comments(s.fullName, 91)).map((c) => c.body)).toEqual([expect.stringContaining('Run canceled')]), WAIT);
    const posts = (await fakeGitHub<Request[]>('requests')).filter((r) => r.method === 'POST' && r.path.startsWith(`/repos/${s.fullName}/issues/90/comments`));
    expect(posts).toHaveLength(1);
    await expectNoViolations(s.fullName);
  });
});
