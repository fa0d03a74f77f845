// What the edge writes on the GitHub thread, through real processes: signed
// webhooks to the edge under `wrangler dev`, the edge's GitHub App talking to
// the fake GitHub (checked against GitHub's OpenAPI description), a
// cluster-agent running the Job in kubesim. Each case uses its own issue.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../tools/stack.mjs';
import { signIn, type StaffClient } from '../../tools/staff-session.mjs';
import { labeledPayload, sendWebhook } from '../../tools/webhook.mjs';
import { until } from './support/until.ts';

type RunDto = { id: string; status: string; issue_number: number | null };

let stack: Stack;
let staff: StaffClient;

beforeAll(async () => {
  stack = await startStack({ stateDir: mkdtempSync(path.join(os.tmpdir(), 'stageline-e2e-gh-')), dbKind: 'auto', build: false });
  staff = await signIn(stack.edgeUrl, 'demo-admin');
});

afterAll(async () => {
  await stack?.stop();
});

async function label(issue: number, extra: { label?: string; senderLogin?: string; otherLabels?: string[] } = {}) {
  const payload = labeledPayload({ issue, repoId: stack.repo.externalId, repoFullName: stack.repo.fullName, ...extra });
  return sendWebhook({ edgeUrl: stack.edgeUrl, secret: stack.webhookSecret, payload });
}


const thread = (number: number) => ({ repo: stack.repo.fullName, number });
const comments = (number: number) => stack.github.issueComments(thread(number));
/** API calls the fake saw with this method on a matching path (comments are edited at /issues/comments/{id}, without the issue number). */
const requestsTo = (method: string, pathPattern: RegExp) => stack.github.requests().filter((r) => r.method === method && pathPattern.test(r.path));

async function runsOfIssue(issue: number): Promise<RunDto[]> {
  const res = await staff.fetch('/api/v1/staff/runs');
  const page = (await res.json()) as { items: RunDto[] };
  return page.items.filter((r) => r.issue_number === issue);
}

describe('the GitHub thread of a run', () => {
  it('run:dev gets one eyes reaction and one status comment, edited in place up to the finished state', async () => {
    const issue = 31;
    const res = await label(issue);
    expect(res.status).toBe(202);
    const { runId } = res.body as { runId: string };
    const marker = `<!-- stageline:run:${runId} -->`;

    // The status comment ends in the finished state once the Job has succeeded.
    const finished = await until('the status comment to show the finished run', () => {
      const mine = comments(issue).filter((c) => c.body.includes(marker));
      return mine.length === 1 && mine[0]?.body.includes('Agent finished') ? mine[0] : undefined;
    });
    expect(finished.user).toBe(`${stack.githubApp.appSlug}[bot]`);
    expect(finished.body.startsWith(marker)).toBe(true);
    expect(finished.body).toContain('`run:dev`');
    expect(finished.body).toContain(`${stack.edgeUrl}/runs/${runId}`);
    const run = (await runsOfIssue(issue)).find((r) => r.id === runId);
    expect(run?.status).toBe('succeeded');

    // Exactly one status comment and one eyes reaction on the issue, nothing else.
    expect(comments(issue)).toHaveLength(1);
    expect(stack.github.issueReactions(thread(issue)).map((r) => ({ content: r.content, user: r.user }))).toEqual([{ content: 'eyes', user: `${stack.githubApp.appSlug}[bot]` }]);

    // One POST created it; every later phase was a PATCH of that same comment.
    const base = `/repos/${stack.repo.fullName}/issues`;
    expect(requestsTo('POST', new RegExp(`^${base}/${issue}/comments(\\?|$)`))).toHaveLength(1);
    const patches = requestsTo('PATCH', new RegExp(`^${base}/comments/${finished.id}(\\?|$)`));
    expect(patches.length).toBeGreaterThanOrEqual(1);
    expect(patches.every((p) => p.status === 200)).toBe(true);
    expect(stack.github.violations()).toEqual([]);
  });

  it('a sender with read permission starts nothing, and is told so on the issue', async () => {
    const issue = 32;
    stack.github.setPermission({ repo: stack.repo.fullName, user: 'read-only-rita', permission: 'read' });
    const res = await label(issue, { senderLogin: 'read-only-rita' });
    expect(res).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'sender_permission_read_not_permitted' } });

    const [comment] = await until('the explanation', () => (comments(issue).length > 0 ? comments(issue) : undefined));
    expect(comment?.body).toContain('@read-only-rita');
    expect(comments(issue)).toHaveLength(1);
    expect(await runsOfIssue(issue)).toEqual([]);
    expect(stack.github.issueLabels(thread(issue))).not.toContain('need:input');
    expect(stack.github.issueReactions(thread(issue))).toEqual([]);
    expect(stack.github.violations()).toEqual([]);
  });

  it('run:qa without an earlier run asks for input: need:input and an explanation', async () => {
    const issue = 33;
    const res = await label(issue, { label: 'run:qa' });
    expect(res).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'issue_trigger_candidate_not_found' } });

    await until('need:input', () => (stack.github.issueLabels(thread(issue)).includes('need:input') ? true : undefined));
    const [comment] = await until('the explanation', () => (comments(issue).length > 0 ? comments(issue) : undefined));
    expect(comment?.body).toContain('`run:qa`');
    expect(comments(issue)).toHaveLength(1);
    expect(await runsOfIssue(issue)).toEqual([]);
    expect(stack.github.violations()).toEqual([]);
  });

  it('two stage labels on the issue: the conflict is explained, both labels named, no need:input', async () => {
    const issue = 34;
    const res = await label(issue, { otherLabels: ['run:plan'] });
    expect(res).toMatchObject({ status: 200, body: { status: 'ignored', reason: 'issue_trigger_label_conflict' } });

    const [comment] = await until('the explanation', () => (comments(issue).length > 0 ? comments(issue) : undefined));
    expect(comment?.body).toContain('`run:dev`');
    expect(comment?.body).toContain('`run:plan`');
    expect(comments(issue)).toHaveLength(1);
    expect(await runsOfIssue(issue)).toEqual([]);
    // A refusal that asks for input queues need:input before its comment (one installation's writes run in order).
    expect(stack.github.issueLabels(thread(issue))).not.toContain('need:input');
    expect(stack.github.violations()).toEqual([]);
  });
});
