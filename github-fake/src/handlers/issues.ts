/** Reading issues (pull requests included, as on GitHub), and a collaborator's permission on the repository. */
import { GitHubError } from '../github-error.ts';
import { renderIssue } from '../render-issue.ts';
import { renderUser } from '../render-user.ts';
import type { RepoPermission } from '../state.ts';
import type { OperationHandler } from './handler.ts';
import { issueOf, paginate, repoOf } from './handler.ts';

export const listIssuesForRepo: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'read'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const state = ctx.query.get('state') ?? 'open';
    const wanted = (ctx.query.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter((l) => l !== '');
    const direction = ctx.query.get('direction') ?? 'desc';
    const matching = [...repo.issues.values()]
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((w) => i.labels.some((n) => n.toLowerCase() === w)))
      .sort((a, b) => (direction === 'asc' ? a.createdAt - b.createdAt || a.number - b.number : b.createdAt - a.createdAt || b.number - a.number));
    const { page, headers } = paginate(ctx, matching);
    return { status: 200, body: page.map((i) => renderIssue(ctx.api, repo, i)), headers };
  },
};

export const getIssue: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'read'],
  handle(ctx) {
    return { status: 200, body: renderIssue(ctx.api, repoOf(ctx), issueOf(ctx)) };
  },
};

/** The legacy `permission` folds maintain into write and triage into read; `role_name` keeps the role. */
const LEGACY: Record<RepoPermission, string> = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read', none: 'none' };
const RANK: RepoPermission[] = ['none', 'read', 'triage', 'write', 'maintain', 'admin'];

export const getCollaboratorPermission: OperationHandler = {
  auth: 'installation',
  permission: ['metadata', 'read'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const login = ctx.pathParams.username ?? '';
    const user = ctx.state.users.get(login.toLowerCase());
    if (user === undefined) {
      // GitHub answers 404 for an account that does not exist; an existing non-collaborator gets `none`.
      throw new GitHubError(404, `${login} is not a user`, { documentationUrl: 'https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user' });
    }
    const role = repo.permissions.get(login.toLowerCase()) ?? 'none';
    const at = RANK.indexOf(role);
    const permissions = { pull: at >= 1, triage: at >= 2, push: at >= 3, maintain: at >= 4, admin: at >= 5 };
    return {
      status: 200,
      body: { permission: LEGACY[role], role_name: role, user: { ...renderUser(ctx.api, user), permissions, role_name: role } },
    };
  },
};
