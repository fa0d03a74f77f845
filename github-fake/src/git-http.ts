/**
 * Git over smart HTTP at github.com's URLs: `/<owner>/<repo>.git/info/refs`,
 * `…/git-upload-pack` and `…/git-receive-pack`, with or without `.git`. These
 * are not REST paths, so the server routes them before the OpenAPI router.
 * Authentication is HTTP Basic with an installation token as the password
 * (any username, as on GitHub); fetching needs `contents: read`, pushing
 * `contents: write`. Git's own `http-backend` does the protocol (git-cgi.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { liveInstallationToken } from './caller-auth.ts';
import type { TokenKind } from './caller-auth.ts';
import type { GitCgi } from './git-cgi.ts';
import type { GitRepos } from './git-repos.ts';
import { hasAccess } from './handlers/installations.ts';
import { basicCredentials, sendText } from './http-io.ts';
import type { Observations } from './observations.ts';
import { waitForHolds } from './observations.ts';
import type { FakeState } from './state.ts';
import { findRepo } from './state.ts';

export type GitService = 'git-upload-pack' | 'git-receive-pack';

export interface GitPath {
  owner: string;
  name: string;
  action: 'info/refs' | GitService;
}

export interface GitHttpDeps {
  state: FakeState;
  repos: GitRepos;
  cgi: GitCgi;
  observations: Observations;
  now: () => number;
}

interface GitOutcome {
  status: number;
  tokenKind: TokenKind;
  installationId: number | null;
}

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;
const SERVICES: readonly string[] = ['git-upload-pack', 'git-receive-pack'];
const CHALLENGE = { 'www-authenticate': 'Basic realm="GitHub"' };

export function matchGitPath(pathname: string): GitPath | undefined {
  const m = GIT_PATH.exec(pathname);
  const [, owner, name, action] = m ?? [];
  if (owner === undefined || name === undefined || action === undefined) {
    return undefined;
  }
  return { owner: safeDecode(owner), name: safeDecode(name), action: action as GitPath['action'] };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The password of `Authorization: Basic …`; the username is not looked at, as on GitHub. */
export function basicPassword(header: string | undefined): string | undefined {
  return basicCredentials(header)?.password;
}

/** The service a request asks for, or undefined for what smart HTTP does not have (dumb HTTP, wrong method). */
function serviceOf(method: string, url: URL, path: GitPath): GitService | undefined {
  if (path.action === 'info/refs') {
    const service = url.searchParams.get('service') ?? '';
    return method === 'GET' && SERVICES.includes(service) ? (service as GitService) : undefined;
  }
  return method === 'POST' ? path.action : undefined;
}

async function answer(deps: GitHttpDeps, req: IncomingMessage, res: ServerResponse, url: URL, path: GitPath): Promise<GitOutcome> {
  const method = req.method ?? 'GET';
  const password = basicPassword(req.headers.authorization);
  const live = password === undefined ? undefined : liveInstallationToken(deps.state, password, deps.now());
  const tokenKind: TokenKind = password === undefined ? 'none' : live === undefined ? 'invalid' : 'installation';
  const installationId = live?.installation.id ?? null;
  const service = serviceOf(method, url, path);
  if (service === undefined) {
    // github.com's answer to a dumb-HTTP client; anything else here is simply not there.
    const dumb = path.action === 'info/refs' && method === 'GET';
    sendText(res, dumb ? 403 : 404, dumb ? 'Please upgrade your git client. GitHub.com does not support git over dumb-http.' : 'Not Found');
    return { status: dumb ? 403 : 404, tokenKind, installationId };
  }
  if (live === undefined) {
    sendText(res, 401, password === undefined ? 'Authentication required.' : 'Invalid username or token. Password authentication is not supported for Git operations.', CHALLENGE);
    return { status: 401, tokenKind, installationId };
  }
  const { token, installation } = live;
  const repo = findRepo(deps.state, path.owner, path.name);
  if (repo === undefined) {
    sendText(res, 404, 'Repository not found.');
    return { status: 404, tokenKind, installationId };
  }
  const bot = deps.state.apps.get(installation.appId)?.bot.login ?? 'x-access-token';
  const covered = installation.repositoryIds.includes(repo.id) && token.repositoryIds.includes(repo.id);
  if (!covered || !hasAccess(token.permissions['contents'], service === 'git-receive-pack' ? 'write' : 'read')) {
    sendText(res, 403, `Permission to ${repo.fullName}.git denied to ${bot}.`);
    return { status: 403, tokenKind, installationId };
  }
  await deps.repos.open(repo);
  const status = await deps.cgi.run({
    req,
    res,
    projectRoot: deps.repos.root,
    pathInfo: `/${deps.repos.pathOf(repo)}/${path.action}`,
    query: url.search.slice(1),
    remoteUser: bot,
  });
  return { status, tokenKind, installationId };
}

/** Serves one git request and logs it like an API request (method, path, status; never the token). */
export function createGitHttp(deps: GitHttpDeps): (req: IncomingMessage, res: ServerResponse, url: URL, path: GitPath) => Promise<void> {
  return async (req, res, url, path) => {
    const logged = url.pathname + url.search;
    await waitForHolds(deps.observations, logged);
    let outcome: GitOutcome;
    try {
      outcome = await answer(deps, req, res, url, path);
    } catch (err) {
      // Only the fake itself fails here (a repository it cannot create); say so instead of dropping the connection.
      if (!res.headersSent) {
        sendText(res, 500, `fake internal error: ${err instanceof Error ? err.message : String(err)}`);
      }
      res.end();
      outcome = { status: 500, tokenKind: 'none', installationId: null };
    }
    deps.observations.requests.push({
      method: req.method ?? 'GET',
      path: logged,
      status: outcome.status,
      tokenKind: outcome.tokenKind,
      operationId: null,
      installationId: outcome.installationId,
      at: deps.now(),
    });
  };
}
