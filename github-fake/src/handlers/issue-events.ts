/** An issue's timeline of label changes (`labeled` / `unlabeled` issue events), oldest first as on GitHub. */
import { toIsoTime, toNodeId, renderUser } from '../render-user.ts';
import type { IssueEventState, RepoState } from '../state.ts';
import { renderApp } from './app-manifests.ts';
import type { OperationHandler, RequestContext } from './handler.ts';
import { issueOf, paginate, repoOf } from './handler.ts';

function renderIssueEvent(ctx: RequestContext, repo: RepoState, e: IssueEventState): Record<string, unknown> {
  const app = e.viaAppId === null ? undefined : ctx.state.apps.get(e.viaAppId);
  const permissions = ctx.state.installations.get(repo.installationId)?.permissions ?? {};
  return {
    id: e.id,
    node_id: toNodeId(e.event === 'labeled' ? 'LE' : 'UNLE', e.id),
    url: `${ctx.api}/repos/${repo.fullName}/issues/events/${e.id}`,
    actor: renderUser(ctx.api, e.actor),
    event: e.event,
    commit_id: null,
    commit_url: null,
    created_at: toIsoTime(e.createdAt),
    performed_via_github_app: app === undefined ? null : renderApp(ctx.api, app, permissions),
    label: { name: e.labelName, color: e.labelColor },
  };
}

export const listIssueEvents: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'read'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const { page, headers } = paginate(ctx, issueOf(ctx).events);
    return { status: 200, body: page.map((e) => renderIssueEvent(ctx, repo, e)), headers };
  },
};
