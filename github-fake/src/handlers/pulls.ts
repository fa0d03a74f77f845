/**
 * Pull requests: open, edit, read and list them. A pull request takes the
 * repository's next issue number (on GitHub every pull request is also an
 * issue), and its head and base shas are the git repository's branch tips.
 */
import { GitHubError, notFound } from '../github-error.ts';
import type { GitRepos } from '../git-repos.ts';
import { renderPull, renderPullSimple } from '../render-issue.ts';
import type { IssueState, RepoState } from '../state.ts';
import type { OperationHandler, RequestContext } from './handler.ts';
import { actorOf, bodyObject, issueOf, paginate, repoOf } from './handler.ts';

const DOCS = 'https://docs.github.com/rest/pulls/pulls';

/** GitHub's 422 for pull requests: `Validation Failed` with one `PullRequest` error. */
function pullInvalid(docs: string, error: { field?: string; code: string; message?: string }): GitHubError {
  return new GitHubError(422, 'Validation Failed', { documentationUrl: `${DOCS}#${docs}`, extra: { errors: [{ resource: 'PullRequest', ...error }] } });
}

function alreadyExists(docs: string, repo: RepoState, headRef: string): GitHubError {
  return pullInvalid(docs, { code: 'custom', message: `A pull request already exists for ${repo.owner.login}:${headRef}.` });
}

/**
 * Open pull requests follow their branches: a push to the head moves `head.sha`.
 * A closed one, or one whose branch is gone, keeps the last sha seen.
 */
async function followBranches(git: GitRepos, repo: RepoState, pulls: readonly IssueState[]): Promise<void> {
  const open = pulls.filter((p) => p.state === 'open');
  if (open.length === 0) {
    return;
  }
  const tips = await git.branches(repo);
  for (const pull of open) {
    pull.headSha = tips[pull.headRef] ?? pull.headSha;
    pull.baseSha = tips[pull.baseRef] ?? pull.baseSha;
  }
}

function pullOf(ctx: RequestContext, docs: string): IssueState {
  const issue = issueOf(ctx, 'pull_number');
  if (!issue.isPullRequest) {
    throw notFound(`${DOCS}#${docs}`);
  }
  return issue;
}

/** `head` is `branch` or `owner:branch`; the fake has no forks, so another owner's branch never exists. */
function headBranch(repo: RepoState, head: string): string | undefined {
  const colon = head.indexOf(':');
  if (colon < 0) {
    return head;
  }
  return head.slice(0, colon).toLowerCase() === repo.owner.login.toLowerCase() ? head.slice(colon + 1) : undefined;
}

function openDuplicate(repo: RepoState, headRef: string, baseRef: string, except?: number): IssueState | undefined {
  return [...repo.issues.values()].find((i) => i.isPullRequest && i.state === 'open' && i.headRef === headRef && i.baseRef === baseRef && i.number !== except);
}

export const createPull: OperationHandler = {
  auth: 'installation',
  permission: ['pull_requests', 'write'],
  async handle(ctx) {
    const docs = 'create-a-pull-request';
    const repo = repoOf(ctx);
    const body = bodyObject(ctx);
    if (typeof body.title !== 'string') {
      throw body.issue === undefined
        ? pullInvalid(docs, { field: 'title', code: 'missing_field' })
        : new GitHubError(422, 'github-fake does not turn issues into pull requests; send a title', { documentationUrl: `${DOCS}#${docs}` });
    }
    const headRef = headBranch(repo, String(body.head));
    const baseRef = String(body.base);
    const tips = await ctx.git.branches(repo);
    const headSha = headRef === undefined ? undefined : tips[headRef];
    if (headRef === undefined || headSha === undefined) {
      throw pullInvalid(docs, { field: 'head', code: 'invalid' });
    }
    const baseSha = tips[baseRef];
    if (baseSha === undefined) {
      throw pullInvalid(docs, { field: 'base', code: 'invalid' });
    }
    if ((await ctx.git.countAhead(repo, baseSha, headSha)) === 0) {
      throw pullInvalid(docs, { code: 'custom', message: `No commits between ${baseRef} and ${headRef}` });
    }
    // After the awaits, so two concurrent requests cannot both open the same pull request.
    if (openDuplicate(repo, headRef, baseRef) !== undefined) {
      throw alreadyExists(docs, repo, headRef);
    }
    const number = Math.max(0, ...repo.issues.keys()) + 1;
    const pull: IssueState = {
      id: ctx.state.nextId(),
      number,
      title: body.title,
      body: typeof body.body === 'string' ? body.body : null,
      state: 'open',
      isPullRequest: true,
      draft: body.draft === true,
      headSha,
      baseSha,
      headRef,
      baseRef,
      labels: [],
      user: actorOf(ctx),
      comments: [],
      reactions: [],
      events: [],
      createdAt: ctx.now,
      updatedAt: ctx.now,
      closedAt: null,
    };
    repo.issues.set(number, pull);
    return { status: 201, body: renderPull(ctx.api, repo, pull), headers: { location: `${ctx.api}/repos/${repo.fullName}/pulls/${number}` } };
  },
};

export const updatePull: OperationHandler = {
  auth: 'installation',
  permission: ['pull_requests', 'write'],
  async handle(ctx) {
    const docs = 'update-a-pull-request';
    const repo = repoOf(ctx);
    const pull = pullOf(ctx, docs);
    const body = bodyObject(ctx);
    const baseRef = typeof body.base === 'string' ? body.base : pull.baseRef;
    if (baseRef !== pull.baseRef && (await ctx.git.branches(repo))[baseRef] === undefined) {
      throw pullInvalid(docs, { field: 'base', code: 'invalid' });
    }
    const state = body.state === 'open' || body.state === 'closed' ? body.state : pull.state;
    if (state === 'open' && openDuplicate(repo, pull.headRef, baseRef, pull.number) !== undefined) {
      throw alreadyExists(docs, repo, pull.headRef);
    }
    if (typeof body.title === 'string') {
      pull.title = body.title;
    }
    if (typeof body.body === 'string') {
      pull.body = body.body;
    }
    if (state !== pull.state) {
      pull.closedAt = state === 'closed' ? ctx.now : null;
    }
    pull.baseRef = baseRef;
    pull.state = state;
    pull.updatedAt = ctx.now;
    await followBranches(ctx.git, repo, [pull]);
    return { status: 200, body: renderPull(ctx.api, repo, pull) };
  },
};

export const getPull: OperationHandler = {
  auth: 'installation',
  permission: ['pull_requests', 'read'],
  async handle(ctx) {
    const repo = repoOf(ctx);
    const pull = pullOf(ctx, 'get-a-pull-request');
    await followBranches(ctx.git, repo, [pull]);
    return { status: 200, body: renderPull(ctx.api, repo, pull) };
  },
};

const byCreated = (p: IssueState): number => p.createdAt;
const SORT_KEYS: Record<string, (p: IssueState) => number> = {
  created: byCreated,
  updated: (p) => p.updatedAt,
  popularity: (p) => p.comments.length,
  'long-running': byCreated,
};

/**
 * `head` filters only in GitHub's `owner:branch` form; a bare branch name is
 * ignored there, so it is ignored here too (and every pull request matches).
 */
function matchesHead(repo: RepoState, pull: IssueState, head: string | null): boolean {
  if (head === null || !head.includes(':')) {
    return true;
  }
  return headBranch(repo, head) === pull.headRef;
}

export const listPulls: OperationHandler = {
  auth: 'installation',
  permission: ['pull_requests', 'read'],
  async handle(ctx) {
    const repo = repoOf(ctx);
    const state = ctx.query.get('state') ?? 'open';
    const head = ctx.query.get('head');
    const base = ctx.query.get('base');
    const sort = ctx.query.get('sort') ?? 'created';
    const key = SORT_KEYS[sort] ?? byCreated;
    const sign = (ctx.query.get('direction') ?? (sort === 'created' ? 'desc' : 'asc')) === 'asc' ? 1 : -1;
    const matching = [...repo.issues.values()]
      .filter((i) => i.isPullRequest && (state === 'all' || i.state === state))
      .filter((p) => matchesHead(repo, p, head) && (base === null || p.baseRef === base))
      .sort((a, b) => sign * (key(a) - key(b) || a.number - b.number));
    const { page, headers } = paginate(ctx, matching);
    await followBranches(ctx.git, repo, page);
    return { status: 200, body: page.map((p) => renderPullSimple(ctx.api, repo, p)), headers };
  },
};
