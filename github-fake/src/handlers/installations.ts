/** Installation endpoints: look-ups and minting tokens (App JWT), revoking a token (the token itself). */
import { randomBytes, randomInt } from 'node:crypto';
import { GitHubError, notFound } from '../github-error.ts';
import { renderRepository } from '../render-repository.ts';
import { renderUser, toIsoTime } from '../render-user.ts';
import type { AccessLevel, AppState, FakeState, InstallationState, RepoState, TokenState } from '../state.ts';
import { findRepo } from '../state.ts';
import type { OperationHandler, RequestContext } from './handler.ts';
import { appOf, bodyObject } from './handler.ts';

const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const LEVELS: Record<string, number> = { read: 1, write: 2, admin: 3 };
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function hasAccess(granted: string | undefined, wanted: string): boolean {
  return (LEVELS[granted ?? ''] ?? 0) >= (LEVELS[wanted] ?? 99);
}

/** Opaque like GitHub's: the `ghs_` prefix is documented, the length is not, so ours varies. */
function newToken(): string {
  const length = randomInt(36, 61);
  const bytes = randomBytes(length);
  return `ghs_${[...bytes].map((b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length]).join('')}`;
}

function appInstallation(ctx: RequestContext, app: AppState): InstallationState {
  const installation = ctx.state.installations.get(Number(ctx.pathParams.installation_id));
  if (installation === undefined || installation.appId !== app.id) {
    throw notFound('https://docs.github.com/rest/apps/apps#get-an-installation-for-the-authenticated-app');
  }
  return installation;
}

export function renderInstallation(api: string, state: FakeState, installation: InstallationState): Record<string, unknown> {
  const app = state.apps.get(installation.appId);
  return {
    id: installation.id,
    account: renderUser(api, installation.account),
    repository_selection: installation.repositorySelection,
    access_tokens_url: `${api}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${api}/installation/repositories`,
    html_url: `https://github.com/organizations/${installation.account.login}/settings/installations/${installation.id}`,
    app_id: installation.appId,
    app_slug: app?.slug ?? 'unknown',
    target_id: installation.account.id,
    target_type: installation.account.type === 'User' ? 'User' : 'Organization',
    permissions: installation.permissions,
    events: installation.events,
    created_at: toIsoTime(installation.createdAt),
    updated_at: toIsoTime(installation.createdAt),
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

function narrowRepos(ctx: RequestContext, installation: InstallationState): RepoState[] | undefined {
  const body = bodyObject(ctx);
  const names = Array.isArray(body.repositories) ? body.repositories.map(String) : [];
  const ids = Array.isArray(body.repository_ids) ? body.repository_ids.map(Number) : [];
  if (names.length === 0 && ids.length === 0) {
    return undefined;
  }
  const available = installation.repositoryIds.flatMap((id) => ctx.state.repos.get(id) ?? []);
  const byName = names.map((n) => available.find((r) => r.name.toLowerCase() === n.toLowerCase()));
  const byId = ids.map((id) => available.find((r) => r.id === id));
  const picked = [...byName, ...byId];
  if (picked.some((r) => r === undefined)) {
    throw new GitHubError(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
  }
  return [...new Set(picked.flatMap((r) => r ?? []))];
}

function narrowPermissions(ctx: RequestContext, installation: InstallationState): Record<string, AccessLevel> {
  const requested = bodyObject(ctx).permissions;
  if (typeof requested !== 'object' || requested === null) {
    return { ...installation.permissions };
  }
  const entries = Object.entries(requested as Record<string, string>);
  if (entries.some(([name, level]) => !hasAccess(installation.permissions[name], level))) {
    throw new GitHubError(422, 'The permissions requested are not granted to this installation.');
  }
  return Object.fromEntries(entries) as Record<string, AccessLevel>;
}

export const createInstallationAccessToken: OperationHandler = {
  auth: 'app',
  handle(ctx) {
    const installation = appInstallation(ctx, appOf(ctx));
    const narrowed = narrowRepos(ctx, installation);
    const permissions = narrowPermissions(ctx, installation);
    const repos = narrowed ?? installation.repositoryIds.flatMap((id) => ctx.state.repos.get(id) ?? []);
    const selection = narrowed === undefined ? installation.repositorySelection : 'selected';
    const token = newToken();
    const body = bodyObject(ctx);
    ctx.state.tokens.set(token, {
      token,
      installationId: installation.id,
      permissions,
      repositoryIds: repos.map((r) => r.id),
      repositorySelection: selection,
      createdAt: ctx.now,
      expiresAt: ctx.now + TOKEN_LIFETIME_MS,
      revokedAt: null,
      requested: body as TokenState['requested'],
    });
    const json: Record<string, unknown> = { token, expires_at: toIsoTime(ctx.now + TOKEN_LIFETIME_MS), permissions, repository_selection: selection };
    if (selection === 'selected') {
      json.repositories = repos.map((r) => renderRepository(ctx.api, r));
    }
    return { status: 201, body: json };
  },
};

export const getInstallation: OperationHandler = {
  auth: 'app',
  handle(ctx) {
    return { status: 200, body: renderInstallation(ctx.api, ctx.state, appInstallation(ctx, appOf(ctx))) };
  },
};

export const getRepoInstallation: OperationHandler = {
  auth: 'app',
  handle(ctx) {
    const repo = findRepo(ctx.state, ctx.pathParams.owner ?? '', ctx.pathParams.repo ?? '');
    const installation = repo === undefined ? undefined : ctx.state.installations.get(repo.installationId);
    if (installation === undefined || ctx.auth.kind !== 'app' || installation.appId !== ctx.auth.app.id) {
      throw notFound('https://docs.github.com/rest/apps/apps#get-a-repository-installation-for-the-authenticated-app');
    }
    return { status: 200, body: renderInstallation(ctx.api, ctx.state, installation) };
  },
};

/** `DELETE /installation/token`: the calling token stops working everywhere, REST and git. */
export const revokeInstallationAccessToken: OperationHandler = {
  auth: 'installation',
  handle(ctx) {
    if (ctx.auth.kind !== 'installation') {
      throw notFound();
    }
    ctx.auth.token.revokedAt = ctx.now;
    return { status: 204 };
  },
};
