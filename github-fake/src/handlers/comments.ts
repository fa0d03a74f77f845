/** Issue comments and reactions, written as the App's bot account. */
import { GitHubError } from '../github-error.ts';
import { renderComment, renderReaction } from '../render-issue.ts';
import type { CommentState, IssueState } from '../state.ts';
import type { OperationHandler, RequestContext } from './handler.ts';
import { actorOf, bodyObject, issueOf, paginate, repoOf } from './handler.ts';

function findComment(ctx: RequestContext): { issue: IssueState; comment: CommentState } {
  const id = Number(ctx.pathParams.comment_id);
  for (const issue of repoOf(ctx).issues.values()) {
    const comment = issue.comments.find((c) => c.id === id);
    if (comment !== undefined) {
      return { issue, comment };
    }
  }
  throw new GitHubError(404, 'Not Found', { documentationUrl: 'https://docs.github.com/rest/issues/comments#update-an-issue-comment' });
}

export const listComments: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'read'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const issue = issueOf(ctx);
    const since = ctx.query.get('since');
    const after = since === null ? 0 : Date.parse(since);
    const { page, headers } = paginate(
      ctx,
      issue.comments.filter((c) => c.updatedAt >= after),
    );
    return { status: 200, body: page.map((c) => renderComment(ctx.api, repo, issue, c)), headers };
  },
};

export const createComment: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'write'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const issue = issueOf(ctx);
    const comment: CommentState = { id: ctx.state.nextId(), body: String(bodyObject(ctx).body), user: actorOf(ctx), createdAt: ctx.now, updatedAt: ctx.now };
    issue.comments.push(comment);
    issue.updatedAt = ctx.now;
    return { status: 201, body: renderComment(ctx.api, repo, issue, comment), headers: { location: `${ctx.api}/repos/${repo.fullName}/issues/comments/${comment.id}` } };
  },
};

export const updateComment: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'write'],
  handle(ctx) {
    const { issue, comment } = findComment(ctx);
    comment.body = String(bodyObject(ctx).body);
    comment.updatedAt = ctx.now;
    return { status: 200, body: renderComment(ctx.api, repoOf(ctx), issue, comment) };
  },
};

export const createIssueReaction: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'write'],
  handle(ctx) {
    const issue = issueOf(ctx);
    const user = actorOf(ctx);
    const content = String(bodyObject(ctx).content);
    // Reacting twice with the same content is idempotent on GitHub: 200 with the existing reaction.
    const existing = issue.reactions.find((r) => r.content === content && r.user.id === user.id);
    if (existing !== undefined) {
      return { status: 200, body: renderReaction(ctx.api, existing) };
    }
    const reaction = { id: ctx.state.nextId(), content, user, createdAt: ctx.now };
    issue.reactions.push(reaction);
    return { status: 201, body: renderReaction(ctx.api, reaction) };
  },
};
