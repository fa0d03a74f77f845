/**
 * The HTTP front door. Per request: git over smart HTTP (git-http.ts), the
 * OAuth web flow (oauth-web.ts), control surface or API; match against
 * GitHub's description (unknown path / wrong method / unimplemented are
 * violations), authenticate, rate-limit, validate parameters and body, run the
 * handler, validate the fake's own answer. GitHubErrors become replies here.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Credential, ResolvedCaller } from './caller-auth.ts';
import { parseAuthorization, resolveCaller, tokenKindOf } from './caller-auth.ts';
import { GitHubError, notFound } from './github-error.ts';
import { OPERATION_HANDLERS } from './handlers/index.ts';
import type { HandlerResult } from './handlers/index.ts';
import type { GitPath } from './git-http.ts';
import { matchGitPath } from './git-http.ts';
import type { GitRepos } from './git-repos.ts';
import { readBody, sendJson } from './http-io.ts';
import type { Observations, Violation } from './observations.ts';
import { waitForHolds } from './observations.ts';
import type { RouteMatch } from './openapi-router.ts';
import type { OpenApiSpec } from './openapi-spec.ts';
import type { RateLimiter } from './rate-limits.ts';
import { checkRequest, checkResponse } from './request-validation.ts';
import type { SchemaValidators } from './schema-validators.ts';
import type { FakeState } from './state.ts';

const ANONYMOUS_LIMIT = 60;
const AUTHENTICATED_LIMIT = 5000;

export interface ServerDeps {
  spec: OpenApiSpec;
  route: (method: string, pathname: string) => RouteMatch;
  coercing: SchemaValidators;
  strict: SchemaValidators;
  state: FakeState;
  limiter: RateLimiter;
  observations: Observations;
  now: () => number;
  baseUrl: () => string;
  repos: GitRepos;
  git: (req: IncomingMessage, res: ServerResponse, url: URL, path: GitPath) => Promise<void>;
  control: (req: IncomingMessage, res: ServerResponse, url: URL, bodyText: string) => Promise<void>;
  /** github.com's `/login/oauth/*` pages and token endpoint; not REST, so routed before the description. */
  oauth: (req: IncomingMessage, res: ServerResponse, url: URL, bodyText: string) => Promise<void>;
}

interface Outcome {
  result: HandlerResult;
  rateHeaders: Record<string, string>;
  operationId: string | null;
  installationId: number | null;
}

function bucketOf(caller: ResolvedCaller | undefined): { key: string; limit: number; describe: string } {
  const auth = caller?.auth;
  if (auth?.kind === 'installation') {
    return { key: `installation:${auth.installation.id}`, limit: AUTHENTICATED_LIMIT, describe: `installation ID ${auth.installation.id}` };
  }
  if (auth?.kind === 'app') {
    return { key: `app:${auth.app.id}`, limit: AUTHENTICATED_LIMIT, describe: `app ID ${auth.app.id}` };
  }
  if (auth?.kind === 'user') {
    return { key: `user:${auth.user.id}`, limit: AUTHENTICATED_LIMIT, describe: `user ID ${auth.user.id}` };
  }
  return { key: 'anonymous', limit: ANONYMOUS_LIMIT, describe: '127.0.0.1' };
}

async function handle(deps: ServerDeps, req: IncomingMessage, url: URL, bodyText: string, credential: Credential, violate: (v: Omit<Violation, 'method' | 'path'>) => void): Promise<Outcome> {
  const method = req.method ?? 'GET';
  const match = deps.route(method, url.pathname);
  const anonymous = (): Record<string, string> => deps.limiter.headersFor('anonymous', ANONYMOUS_LIMIT);
  if (match.kind !== 'operation') {
    const details = match.kind === 'unknown-path' ? ['no such path in the GitHub REST API'] : [`${match.template} allows ${match.allowed.join(', ')}`];
    violate({ kind: match.kind, operationId: null, details });
    throw annotate(notFound(), { rateHeaders: anonymous() });
  }
  const operationId = match.operation.operationId;
  const handler = OPERATION_HANDLERS[operationId];
  if (handler === undefined) {
    violate({ kind: 'unimplemented', operationId, details: [`${operationId} is valid on GitHub but not implemented by the fake`] });
    throw notFound();
  }
  const now = deps.now();
  let caller: ResolvedCaller;
  try {
    caller = resolveCaller(deps.state, handler, credential, { now, template: match.template, pathParams: match.pathParams });
  } catch (err) {
    throw annotate(err, { operationId });
  }
  const bucket = bucketOf(caller);
  const installationId = caller.auth.kind === 'installation' ? caller.auth.installation.id : null;
  let rateHeaders: Record<string, string> | undefined;
  try {
    rateHeaders = deps.limiter.takePrimary(bucket.key, bucket.limit, bucket.describe);
    const isContentWrite = caller.auth.kind === 'installation' && method !== 'GET' && method !== 'HEAD';
    deps.limiter.checkSecondary(installationId ?? undefined, isContentWrite);
    const checked = checkRequest(deps.spec, deps.coercing, deps.strict, { item: match.pathItem, operation: match.operation, pathParams: match.pathParams, query: url.searchParams, bodyText });
    if (!checked.ok) {
      violate({ kind: checked.kind, operationId, details: checked.details });
      throw checked.error;
    }
    const result = await handler.handle({
      api: deps.baseUrl(),
      state: deps.state,
      git: deps.repos,
      now,
      pathname: url.pathname,
      pathParams: match.pathParams,
      query: url.searchParams,
      body: checked.body,
      auth: caller.auth,
      repo: caller.repo,
    });
    if (result.status >= 200 && result.status < 300) {
      const errors = checkResponse(deps.spec, deps.strict, match.operation, result.status, result.body);
      if (errors.length > 0) {
        violate({ kind: 'invalid-response', operationId, details: errors });
      }
    }
    return { result, rateHeaders, operationId, installationId };
  } catch (err) {
    throw annotate(err, { rateHeaders, operationId, installationId });
  }
}

/** Carries what was known when a request failed, so the reply still has rate headers and the log an operation. */
function annotate(err: unknown, info: Annotated): Error {
  return Object.assign(err instanceof Error ? err : new Error(String(err)), info);
}

interface Annotated {
  rateHeaders?: Record<string, string>;
  operationId?: string | null;
  installationId?: number | null;
}

export function createRequestListener(deps: ServerDeps): RequestListener {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://github-fake');
    const gitPath = matchGitPath(url.pathname);
    if (gitPath !== undefined) {
      // Before reading the body: a push streams its pack straight into git.
      await deps.git(req, res, url, gitPath);
      return;
    }
    const bodyText = await readBody(req);
    if (url.pathname.startsWith('/_fake/')) {
      await deps.control(req, res, url, bodyText);
      return;
    }
    if (url.pathname.startsWith('/login/oauth/')) {
      await deps.oauth(req, res, url, bodyText);
      return;
    }
    const method = req.method ?? 'GET';
    const path = url.pathname + url.search;
    await waitForHolds(deps.observations, path);
    const credential = parseAuthorization(req.headers.authorization);
    const violate = (v: Omit<Violation, 'method' | 'path'>): void => {
      deps.observations.violations.push({ method, path, ...v });
    };
    const base = { 'x-github-media-type': 'github.v3; format=json', 'x-github-request-id': `FAKE:${deps.state.nextId()}` };
    let status: number;
    let info: Annotated = {};
    let error: unknown;
    try {
      const outcome = await handle(deps, req, url, bodyText, credential, violate);
      info = outcome;
      status = outcome.result.status;
      sendJson(res, status, outcome.result.body, { ...base, ...outcome.rateHeaders, ...outcome.result.headers });
    } catch (err) {
      error = err;
      info = err as Annotated;
      const ghError = err instanceof GitHubError ? err : new GitHubError(500, `fake internal error: ${err instanceof Error ? err.message : String(err)}`);
      status = ghError.statusCode;
      const rateHeaders = info.rateHeaders ?? deps.limiter.headersFor('anonymous', ANONYMOUS_LIMIT);
      sendJson(res, status, ghError.toBody(), { ...base, ...rateHeaders, ...ghError.headers });
    }
    deps.observations.requests.push({
      method,
      path,
      status,
      tokenKind: tokenKindOf(deps.state, credential, error),
      operationId: info.operationId ?? null,
      installationId: info.installationId ?? null,
      at: deps.now(),
    });
  };
  return (req, res) => {
    serve(req, res).catch((err: unknown) => {
      // Only reachable when reading the body or streaming git fails; the socket is all that is left to close.
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    });
  };
}
