/**
 * The platform opens the run's pull request, not the model (docs/architecture.md,
 * "The runner"): after the runner pushed the run's branch it asks the edge,
 * which finds an open PR with that head or opens a draft that closes the
 * issue, and records it on the run for the status comment.
 */
import type { GitHubClient, GitHubResult, PullRequest, RepoRef } from '../github/github-client.ts';

export interface PullRequestAsk {
  repo: RepoRef;
  branch: string;
  base: string;
  issueNumber: number | null;
  title: string;
  /** The agent's summary, if any. */
  summary: string;
}

/** `Closes #<n>` first, so GitHub links the PR to the issue; then the summary. */
export function pullRequestBody(ask: Pick<PullRequestAsk, 'issueNumber' | 'summary'>): string {
  const closes = ask.issueNumber === null ? [] : [`Closes #${ask.issueNumber}`, ''];
  return [...closes, ask.summary.trim() === '' ? 'Opened by Stageline for the agent run.' : ask.summary.trim()].join('\n').slice(0, 60_000);
}

export async function openOrUpdatePullRequest(client: GitHubClient, ask: PullRequestAsk): Promise<GitHubResult<{ pr: PullRequest; created: boolean }>> {
  const open = await client.listPullRequestsByHead(ask.repo, ask.branch);
  if (!open.ok) {
    return open;
  }
  const existing = open.value.find((pr) => pr.head.ref === ask.branch);
  if (existing !== undefined) {
    // A later run on the same branch (a revise) keeps the PR; its description keeps the issue link.
    return { ok: true, value: { pr: existing, created: false } };
  }
  const created = await client.createPullRequest(ask.repo, { title: ask.title.slice(0, 256), body: pullRequestBody(ask), head: ask.branch, base: ask.base, draft: true });
  return created.ok ? { ok: true, value: { pr: created.value, created: true } } : created;
}
