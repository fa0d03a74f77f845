/** Repository labels and the labels on an issue or pull request. */
import { GitHubError, notFound, validationFailed } from '../github-error.ts';
import { renderLabel } from '../render-user.ts';
import type { FakeState, IssueState, LabelState, RepoState } from '../state.ts';
import { findLabel } from '../state.ts';
import type { OperationHandler, RequestContext } from './handler.ts';
import { actorOf, bodyObject, issueOf, paginate, repoOf } from './handler.ts';

/** GitHub's colour for labels created implicitly by adding them to an issue. */
const IMPLICIT_LABEL_COLOR = 'ededed';

export function addRepoLabel(state: FakeState, repo: RepoState, input: { name: string; color?: string; description?: string | null }): LabelState {
  const label: LabelState = {
    id: state.nextId(),
    name: input.name,
    color: (input.color ?? IMPLICIT_LABEL_COLOR).replace(/^#/, '').toLowerCase(),
    description: input.description ?? null,
    isDefault: false,
  };
  repo.labels.set(input.name.toLowerCase(), label);
  return label;
}

function labelOf(ctx: RequestContext, repo: RepoState): LabelState {
  const label = findLabel(repo, ctx.pathParams.name ?? '');
  if (label === undefined) {
    throw notFound('https://docs.github.com/rest/issues/labels#get-a-label');
  }
  return label;
}

function issueLabels(ctx: RequestContext, repo: RepoState, issue: IssueState): unknown[] {
  return issue.labels.flatMap((name) => {
    const label = findLabel(repo, name);
    return label === undefined ? [] : [renderLabel(ctx.api, repo, label)];
  });
}

/** The description allows `{labels: [name | {name}]}`; older bare-array bodies are rejected before this runs. */
function requestedLabelNames(body: unknown): string[] {
  const raw = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { labels?: unknown }).labels : body;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((item) => (typeof item === 'object' && item !== null ? String((item as { name?: unknown }).name) : String(item)));
}

export const listLabelsForRepo: OperationHandler = {
  auth: 'installation',
  permission: ['metadata', 'read'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const { page, headers } = paginate(ctx, [...repo.labels.values()]);
    return { status: 200, body: page.map((l) => renderLabel(ctx.api, repo, l)), headers };
  },
};

export const createLabel: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'write'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const body = bodyObject(ctx);
    const name = String(body.name);
    if (findLabel(repo, name) !== undefined) {
      throw validationFailed('Label', 'already_exists', 'name');
    }
    const label = addRepoLabel(ctx.state, repo, { name, color: typeof body.color === 'string' ? body.color : undefined, description: typeof body.description === 'string' ? body.description : null });
    return { status: 201, body: renderLabel(ctx.api, repo, label) };
  },
};

export const getLabel: OperationHandler = {
  auth: 'installation',
  permission: ['metadata', 'read'],
  handle(ctx) {
    const repo = repoOf(ctx);
    return { status: 200, body: renderLabel(ctx.api, repo, labelOf(ctx, repo)) };
  },
};

export const updateLabel: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'write'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const label = labelOf(ctx, repo);
    const body = bodyObject(ctx);
    if (typeof body.new_name === 'string' && body.new_name.toLowerCase() !== label.name.toLowerCase()) {
      if (findLabel(repo, body.new_name) !== undefined) {
        throw validationFailed('Label', 'already_exists', 'name');
      }
      repo.labels.delete(label.name.toLowerCase());
      for (const issue of repo.issues.values()) {
        issue.labels = issue.labels.map((n) => (n.toLowerCase() === label.name.toLowerCase() ? String(body.new_name) : n));
      }
      label.name = body.new_name;
      repo.labels.set(label.name.toLowerCase(), label);
    }
    if (typeof body.color === 'string') {
      label.color = body.color.replace(/^#/, '').toLowerCase();
    }
    if (typeof body.description === 'string') {
      label.description = body.description;
    }
    return { status: 200, body: renderLabel(ctx.api, repo, label) };
  },
};

export const listLabelsOnIssue: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'read'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const { page, headers } = paginate(ctx, issueLabels(ctx, repo, issueOf(ctx)));
    return { status: 200, body: page, headers };
  },
};

export const addLabels: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'write'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const issue = issueOf(ctx);
    const actor = actorOf(ctx);
    const viaAppId = ctx.auth.kind === 'installation' ? ctx.auth.installation.appId : null;
    for (const name of requestedLabelNames(ctx.body)) {
      // Adding an unknown label creates it, as on GitHub.
      const label = findLabel(repo, name) ?? addRepoLabel(ctx.state, repo, { name });
      if (!issue.labels.some((n) => n.toLowerCase() === label.name.toLowerCase())) {
        issue.labels.push(label.name);
        issue.events.push({ id: ctx.state.nextId(), event: 'labeled', labelName: label.name, labelColor: label.color, actor, viaAppId, createdAt: ctx.now });
      }
    }
    issue.updatedAt = ctx.now;
    return { status: 200, body: issueLabels(ctx, repo, issue) };
  },
};

export const removeLabel: OperationHandler = {
  auth: 'installation',
  permission: ['issues', 'write'],
  handle(ctx) {
    const repo = repoOf(ctx);
    const issue = issueOf(ctx);
    const name = (ctx.pathParams.name ?? '').toLowerCase();
    if (!issue.labels.some((n) => n.toLowerCase() === name)) {
      throw new GitHubError(404, 'Label does not exist', { documentationUrl: 'https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue' });
    }
    const removed = findLabel(repo, name);
    issue.labels = issue.labels.filter((n) => n.toLowerCase() !== name);
    issue.events.push({
      id: ctx.state.nextId(),
      event: 'unlabeled',
      labelName: removed?.name ?? ctx.pathParams.name ?? '',
      labelColor: removed?.color ?? 'ededed',
      actor: actorOf(ctx),
      viaAppId: ctx.auth.kind === 'installation' ? ctx.auth.installation.appId : null,
      createdAt: ctx.now,
    });
    issue.updatedAt = ctx.now;
    return { status: 200, body: issueLabels(ctx, repo, issue) };
  },
};
