/** Issues, pull requests, comments and reactions in GitHub's JSON shapes. */
import { renderRepository } from './render-repository.ts';
import { renderLabel, renderUser, toIsoTime, toNodeId } from './render-user.ts';
import type { CommentState, IssueState, ReactionState, RepoState, UserState } from './state.ts';
import { findLabel } from './state.ts';

const WEB = 'https://github.com';

export function authorAssociation(repo: RepoState, user: UserState): string {
  if (user.login.toLowerCase() === repo.owner.login.toLowerCase()) {
    return 'OWNER';
  }
  const permission = repo.permissions.get(user.login.toLowerCase());
  return permission === undefined || permission === 'none' ? 'NONE' : 'COLLABORATOR';
}

export function renderIssue(api: string, repo: RepoState, issue: IssueState): Record<string, unknown> {
  const url = `${api}/repos/${repo.fullName}/issues/${issue.number}`;
  const html = `${WEB}/${repo.fullName}/${issue.isPullRequest ? 'pull' : 'issues'}/${issue.number}`;
  const labels = issue.labels.flatMap((name) => {
    const label = findLabel(repo, name);
    return label === undefined ? [] : [renderLabel(api, repo, label)];
  });
  const json: Record<string, unknown> = {
    url,
    repository_url: `${api}/repos/${repo.fullName}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    id: issue.id,
    node_id: toNodeId(issue.isPullRequest ? 'PR' : 'I', issue.id),
    number: issue.number,
    title: issue.title,
    user: renderUser(api, issue.user),
    labels,
    state: issue.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: issue.comments.length,
    created_at: toIsoTime(issue.createdAt),
    updated_at: toIsoTime(issue.updatedAt),
    closed_at: issue.closedAt === null ? null : toIsoTime(issue.closedAt),
    author_association: authorAssociation(repo, issue.user),
    body: issue.body,
  };
  if (issue.isPullRequest) {
    // On GitHub every pull request is also an issue; this key is how clients tell them apart.
    const pull = `${api}/repos/${repo.fullName}/pulls/${issue.number}`;
    json.pull_request = { url: pull, html_url: html, diff_url: `${html}.diff`, patch_url: `${html}.patch`, merged_at: null };
  }
  return json;
}

function renderBranch(api: string, repo: RepoState, ref: string, sha: string): Record<string, unknown> {
  return { label: `${repo.owner.login}:${ref}`, ref, sha, user: renderUser(api, repo.owner), repo: renderRepository(api, repo) };
}

export function renderPull(api: string, repo: RepoState, issue: IssueState): Record<string, unknown> {
  const url = `${api}/repos/${repo.fullName}/pulls/${issue.number}`;
  const issueUrl = `${api}/repos/${repo.fullName}/issues/${issue.number}`;
  const html = `${WEB}/${repo.fullName}/pull/${issue.number}`;
  const { labels, user, title, body, state, created_at, updated_at, closed_at, author_association } = renderIssue(api, repo, issue);
  const link = (href: string): { href: string } => ({ href });
  return {
    url,
    id: issue.id,
    node_id: toNodeId('PR', issue.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: issueUrl,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/repos/${repo.fullName}/pulls/comments{/number}`,
    comments_url: `${issueUrl}/comments`,
    statuses_url: `${api}/repos/${repo.fullName}/statuses/${issue.headSha}`,
    number: issue.number,
    state,
    locked: false,
    title,
    user,
    body,
    labels,
    milestone: null,
    active_lock_reason: null,
    created_at,
    updated_at,
    closed_at,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: renderBranch(api, repo, issue.headRef, issue.headSha),
    base: renderBranch(api, repo, issue.baseRef, issue.baseSha),
    _links: {
      self: link(url),
      html: link(html),
      issue: link(issueUrl),
      comments: link(`${issueUrl}/comments`),
      review_comments: link(`${url}/comments`),
      review_comment: link(`${api}/repos/${repo.fullName}/pulls/comments{/number}`),
      commits: link(`${url}/commits`),
      statuses: link(`${api}/repos/${repo.fullName}/statuses/${issue.headSha}`),
    },
    author_association,
    auto_merge: null,
    draft: issue.draft,
    merged: false,
    mergeable: true,
    rebaseable: true,
    mergeable_state: 'clean',
    merged_by: null,
    comments: issue.comments.length,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

/** Keys only the single pull request carries; lists have the `pull-request-simple` shape without them. */
const FULL_PULL_ONLY = new Set(['merged', 'mergeable', 'rebaseable', 'mergeable_state', 'merged_by', 'comments', 'review_comments', 'maintainer_can_modify', 'commits', 'additions', 'deletions', 'changed_files']);

export function renderPullSimple(api: string, repo: RepoState, issue: IssueState): Record<string, unknown> {
  return Object.fromEntries(Object.entries(renderPull(api, repo, issue)).filter(([key]) => !FULL_PULL_ONLY.has(key)));
}

export function renderComment(api: string, repo: RepoState, issue: IssueState, comment: CommentState): Record<string, unknown> {
  return {
    id: comment.id,
    node_id: toNodeId('IC', comment.id),
    url: `${api}/repos/${repo.fullName}/issues/comments/${comment.id}`,
    html_url: `${WEB}/${repo.fullName}/${issue.isPullRequest ? 'pull' : 'issues'}/${issue.number}#issuecomment-${comment.id}`,
    issue_url: `${api}/repos/${repo.fullName}/issues/${issue.number}`,
    body: comment.body,
    user: renderUser(api, comment.user),
    created_at: toIsoTime(comment.createdAt),
    updated_at: toIsoTime(comment.updatedAt),
    author_association: authorAssociation(repo, comment.user),
  };
}

export function renderReaction(api: string, reaction: ReactionState): Record<string, unknown> {
  return {
    id: reaction.id,
    node_id: toNodeId('REA', reaction.id),
    user: renderUser(api, reaction.user),
    content: reaction.content,
    created_at: toIsoTime(reaction.createdAt),
  };
}
