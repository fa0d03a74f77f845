/** What an endpoint implementation declares and receives. */
import { notFound } from '../github-error.ts';
import type { GitRepos } from '../git-repos.ts';
import type { AccessLevel, AppState, FakeState, InstallationState, IssueState, RepoState, TokenState, UserState, UserTokenState } from '../state.ts';
import { findIssue } from '../state.ts';

export type CallerAuth =
  | { kind: 'none' }
  | { kind: 'app'; app: AppState }
  | { kind: 'installation'; token: TokenState; installation: InstallationState }
  | { kind: 'user'; token: UserTokenState; user: UserState; app: AppState };

export interface RequestContext {
  /** Base URL of the fake; API URLs in bodies point back at it. */
  api: string;
  state: FakeState;
  /** The repositories' content (branches, commits). */
  git: GitRepos;
  now: number;
  pathname: string;
  pathParams: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  auth: CallerAuth;
  /** Set for installation-token endpoints under /repos/{owner}/{repo}; access is already checked. */
  repo: RepoState | undefined;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface OperationHandler {
  /** `app`: App JWT; `installation`: installation token covering the repository; `user`: user access token (OAuth); `none`: anonymous. */
  auth: 'app' | 'installation' | 'user' | 'none';
  /** Installation permission the token must hold, e.g. ['issues', 'write']. */
  permission?: [string, AccessLevel];
  /** Async only where the answer needs the git repository. */
  handle(ctx: RequestContext): HandlerResult | Promise<HandlerResult>;
}

export function repoOf(ctx: RequestContext): RepoState {
  if (ctx.repo === undefined) {
    throw notFound();
  }
  return ctx.repo;
}

export function issueOf(ctx: RequestContext, param = 'issue_number'): IssueState {
  const issue = findIssue(repoOf(ctx), Number(ctx.pathParams[param]));
  if (issue === undefined) {
    throw notFound();
  }
  return issue;
}

export function bodyObject(ctx: RequestContext): Record<string, unknown> {
  return typeof ctx.body === 'object' && ctx.body !== null && !Array.isArray(ctx.body) ? (ctx.body as Record<string, unknown>) : {};
}

/** `per_page` (default 30, max 100) and 1-based `page`, as GitHub paginates lists. */
export function paginate<T>(ctx: RequestContext, items: readonly T[]): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.get('per_page') ?? 30) || 30));
  const pageNo = Math.max(1, Number(ctx.query.get('page') ?? 1) || 1);
  const page = items.slice((pageNo - 1) * perPage, pageNo * perPage);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const headers: Record<string, string> = {};
  if (pageNo < last) {
    const link = (n: number): string => {
      const params = new URLSearchParams(ctx.query);
      params.set('page', String(n));
      params.set('per_page', String(perPage));
      return `<${ctx.api}${ctx.pathname}?${params.toString()}>`;
    };
    headers.link = `${link(pageNo + 1)}; rel="next", ${link(last)}; rel="last"`;
  }
  return { page, headers };
}

export function appOf(ctx: RequestContext): AppState {
  if (ctx.auth.kind !== 'app') {
    throw notFound();
  }
  return ctx.auth.app;
}

/** The person a user access token acts for. */
export function userOf(ctx: RequestContext): UserState {
  if (ctx.auth.kind !== 'user') {
    throw notFound();
  }
  return ctx.auth.user;
}

/** The bot account an installation token acts as. */
export function actorOf(ctx: RequestContext): UserState {
  const app = ctx.auth.kind === 'installation' ? ctx.state.apps.get(ctx.auth.installation.appId) : undefined;
  if (app === undefined) {
    throw notFound();
  }
  return app.bot;
}
