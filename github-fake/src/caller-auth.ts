/**
 * Who is calling: an App (JWT), an installation (token), a person through a
 * user access token from the OAuth web flow, or nobody, judged per endpoint
 * the way GitHub does. Installation tokens must be unexpired, not revoked and
 * cover the repository; a repository outside the token is a 404, not a 403,
 * because GitHub does not reveal private repositories.
 */
import { looksLikeJwt, verifyAppJwt } from './app-jwt.ts';
import { badCredentials, GitHubError, jwtRequired, notAccessibleByIntegration, notFound, requiresAuthentication } from './github-error.ts';
import type { CallerAuth, OperationHandler } from './handlers/index.ts';
import { hasAccess } from './handlers/installations.ts';
import { liveUserToken } from './oauth-grants.ts';
import type { FakeState, InstallationState, RepoState, TokenState } from './state.ts';
import { findIssue, findRepo } from './state.ts';

export type TokenKind = 'none' | 'app-jwt' | 'installation' | 'user' | 'invalid';

export type Credential = { kind: 'none' } | { kind: 'jwt'; raw: string } | { kind: 'token'; raw: string };

export function parseAuthorization(header: string | undefined): Credential {
  const match = /^(token|bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  const raw = match?.[2];
  if (raw === undefined) {
    return { kind: 'none' };
  }
  return looksLikeJwt(raw) ? { kind: 'jwt', raw } : { kind: 'token', raw };
}

export interface ResolvedCaller {
  auth: CallerAuth;
  repo: RepoState | undefined;
}

/** An installation token that exists, has not expired and was not revoked, with its installation. */
export function liveInstallationToken(state: FakeState, raw: string, now: number): { token: TokenState; installation: InstallationState } | undefined {
  const token = state.tokens.get(raw);
  const installation = token === undefined ? undefined : state.installations.get(token.installationId);
  if (token === undefined || installation === undefined || token.expiresAt <= now || token.revokedAt !== null) {
    return undefined;
  }
  return { token, installation };
}

function installationCaller(state: FakeState, credential: Credential, now: number): CallerAuth {
  if (credential.kind === 'none') {
    throw requiresAuthentication();
  }
  if (credential.kind === 'jwt') {
    const check = verifyAppJwt(credential.raw, state.apps, now);
    if (!check.ok) {
      throw check.error;
    }
    // An App acting as itself cannot touch repository content; it needs an installation token.
    throw notAccessibleByIntegration();
  }
  const live = liveInstallationToken(state, credential.raw, now);
  if (live === undefined) {
    // The fake does not model what a user access token may do in a repository
    // (the App's permissions intersected with the person's); refusing says so
    // instead of calling a good token bad.
    if (liveUserToken(state, credential.raw, now) !== undefined) {
      throw notAccessibleByIntegration();
    }
    throw badCredentials();
  }
  return { kind: 'installation', ...live };
}

/** Endpoints about the signed-in person (`GET /user`) take only a user access token. */
function userCaller(state: FakeState, credential: Credential, now: number): CallerAuth {
  if (credential.kind === 'none') {
    throw requiresAuthentication();
  }
  if (credential.kind === 'jwt') {
    const check = verifyAppJwt(credential.raw, state.apps, now);
    if (!check.ok) {
      throw check.error;
    }
    throw notAccessibleByIntegration();
  }
  const token = liveUserToken(state, credential.raw, now);
  const app = token === undefined ? undefined : state.apps.get(token.appId);
  if (token === undefined || app === undefined) {
    if (liveInstallationToken(state, credential.raw, now) !== undefined) {
      // An installation token acts as the App's bot, which is no person.
      throw notAccessibleByIntegration();
    }
    throw badCredentials();
  }
  return { kind: 'user', token, user: token.user, app };
}

export function resolveCaller(
  state: FakeState,
  handler: OperationHandler,
  credential: Credential,
  input: { now: number; template: string; pathParams: Record<string, string> },
): ResolvedCaller {
  if (handler.auth === 'none') {
    return { auth: { kind: 'none' }, repo: undefined };
  }
  if (handler.auth === 'app') {
    if (credential.kind !== 'jwt') {
      throw jwtRequired();
    }
    const check = verifyAppJwt(credential.raw, state.apps, input.now);
    if (!check.ok) {
      throw check.error;
    }
    return { auth: { kind: 'app', app: check.app }, repo: undefined };
  }
  if (handler.auth === 'user') {
    return { auth: userCaller(state, credential, input.now), repo: undefined };
  }
  const auth = installationCaller(state, credential, input.now);
  if (auth.kind !== 'installation' || !input.template.startsWith('/repos/{owner}/{repo}/')) {
    return { auth, repo: undefined };
  }
  const repo = findRepo(state, input.pathParams.owner ?? '', input.pathParams.repo ?? '');
  if (repo === undefined || !auth.token.repositoryIds.includes(repo.id)) {
    throw notFound();
  }
  const [permission, level] = handler.permission ?? ['metadata', 'read'];
  // Every installation token can read metadata, as on GitHub.
  if (!(permission === 'metadata' && level === 'read') && !hasAccess(auth.token.permissions[permission], level)) {
    // On a pull request's conversation GitHub also accepts the pull-requests permission
    // for the issues endpoints (comments, labels, reactions).
    const viaPullRequests = permission === 'issues' && onPullRequest(repo, input.pathParams) && hasAccess(auth.token.permissions['pull_requests'], level);
    if (!viaPullRequests) {
      throw notAccessibleByIntegration();
    }
  }
  return { auth, repo };
}

/** The request targets a pull request's conversation (by issue number, or a comment on one). */
function onPullRequest(repo: RepoState, params: Readonly<Record<string, string>>): boolean {
  const number = Number(params['issue_number']);
  if (Number.isInteger(number)) {
    return findIssue(repo, number)?.isPullRequest === true;
  }
  const commentId = Number(params['comment_id']);
  return Number.isInteger(commentId) && [...repo.issues.values()].some((i) => i.isPullRequest && i.comments.some((c) => c.id === commentId));
}

export function tokenKindOf(state: FakeState, credential: Credential, error: unknown): TokenKind {
  if (credential.kind === 'none') {
    return 'none';
  }
  if (error instanceof GitHubError && error.statusCode === 401) {
    return 'invalid';
  }
  if (credential.kind === 'jwt') {
    return 'app-jwt';
  }
  return state.userTokens.has(credential.raw) ? 'user' : 'installation';
}
