/**
 * github.com's side of the OAuth web flow a GitHub App uses to sign people in
 * ("Generating a user access token for a GitHub App"):
 *
 * - `GET /login/oauth/authorize`: with a `login` naming a person who may sign
 *   in, redirect at once to `redirect_uri?code=…&state=…` (as if that person
 *   were signed in to github.com and had authorized the App before);
 *   otherwise an account picker page.
 * - `POST /login/oauth/access_token`: code or refresh token → a user access
 *   token. Client credentials in the body or as HTTP Basic; form or JSON
 *   bodies; the answer is JSON with `Accept: application/json`, else
 *   form-encoded. Errors are HTTP 200 with `error`, as GitHub sends them.
 *
 * The fake stores no callback URL for its Apps, so `redirect_uri` is required
 * and any absolute http(s) URL is accepted. Requests are logged like API
 * requests (the token endpoint without its query, which may carry secrets).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basicCredentials, sendHtml, sendJson } from './http-io.ts';
import type { Grant, OAuthError } from './oauth-grants.ts';
import { ACCESS_TOKEN_LIFETIME_S, authenticateClient, findAppByClientId, incorrectClientCredentials, issueCode, redeemCode, refreshGrant, REFRESH_TOKEN_LIFETIME_S, signInUsers, unsupportedGrantType } from './oauth-grants.ts';
import { errorPage, signInPage } from './oauth-pages.ts';
import type { Observations } from './observations.ts';
import { waitForHolds } from './observations.ts';
import type { FakeState, UserState } from './state.ts';

export const AUTHORIZE_PATH = '/login/oauth/authorize';
export const ACCESS_TOKEN_PATH = '/login/oauth/access_token';

const DENIED_DESCRIPTION = 'The user has denied your application access.';
const DENIED_URI = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied';

export interface OAuthWebDeps {
  state: FakeState;
  observations: Observations;
  now: () => number;
}

type TokenReply = Record<string, string | number>;

/** `base` with `params` added (existing query kept; a null value is left out). */
function withParams(base: string, params: readonly [string, string | null][]): string {
  const url = new URL(base);
  for (const [name, value] of params) {
    if (value !== null) {
      url.searchParams.set(name, value);
    }
  }
  return url.toString();
}

function absoluteHttpUrl(raw: string | null): string | undefined {
  if (raw === null || !URL.canParse(raw)) {
    return undefined;
  }
  const protocol = new URL(raw).protocol;
  return protocol === 'http:' || protocol === 'https:' ? raw : undefined;
}

function signInCapable(state: FakeState, login: string | null): UserState | undefined {
  const user = login === null ? undefined : state.users.get(login.toLowerCase());
  return user?.type === 'User' && user.profile?.signIn === true ? user : undefined;
}

function authorize(deps: OAuthWebDeps, res: ServerResponse, url: URL): number {
  const query = url.searchParams;
  const app = findAppByClientId(deps.state, query.get('client_id') ?? '');
  if (app === undefined) {
    sendHtml(res, 404, errorPage('Not Found', 'No GitHub App has this client_id.'));
    return 404;
  }
  const redirectUri = absoluteHttpUrl(query.get('redirect_uri'));
  if (redirectUri === undefined) {
    const message = query.has('redirect_uri') ? 'redirect_uri must be an absolute http(s) URL.' : 'redirect_uri is required: the fake stores no callback URL for its Apps.';
    sendHtml(res, 400, errorPage('Bad Request', message));
    return 400;
  }
  const state = query.get('state');
  const user = signInCapable(deps.state, query.get('login'));
  if (user !== undefined) {
    const code = issueCode(deps.state, { app, redirectUri, user, now: deps.now() });
    res.writeHead(302, { location: withParams(redirectUri, [['code', code.code], ['state', state]]), 'content-length': '0' });
    res.end();
    return 302;
  }
  const hrefFor = (login: string): string => {
    const params = new URLSearchParams(query);
    params.set('login', login);
    return `${AUTHORIZE_PATH}?${params.toString()}`;
  };
  const cancelHref = withParams(redirectUri, [['error', 'access_denied'], ['error_description', DENIED_DESCRIPTION], ['error_uri', DENIED_URI], ['state', state]]);
  sendHtml(res, 200, signInPage({ appName: app.name, users: signInUsers(deps.state), hrefFor, cancelHref }));
  return 200;
}

/** Query parameters (GitHub's documented form) overlaid by the body, form-encoded or JSON. */
function tokenParams(req: IncomingMessage, url: URL, bodyText: string): URLSearchParams | undefined {
  const params = new URLSearchParams(url.searchParams);
  const isJson = /^application\/json\b/i.test(req.headers['content-type'] ?? '');
  let fields: [string, string][];
  if (isJson && bodyText.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(bodyText);
    } catch {
      // Reported to the caller as an invalid request.
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return undefined;
    }
    fields = Object.entries(parsed).flatMap(([k, v]): [string, string][] => (typeof v === 'string' || typeof v === 'number' ? [[k, String(v)]] : []));
  } else {
    fields = [...new URLSearchParams(bodyText)];
  }
  for (const [name, value] of fields) {
    params.set(name, value);
  }
  return params;
}

function grantReply(grant: Grant): TokenReply {
  if (!grant.ok) {
    return { ...grant.error };
  }
  const { token } = grant;
  return {
    access_token: token.token,
    token_type: 'bearer',
    // GitHub Apps have permissions, not scopes; GitHub answers an empty scope.
    scope: '',
    expires_in: ACCESS_TOKEN_LIFETIME_S,
    refresh_token: token.refreshToken,
    refresh_token_expires_in: REFRESH_TOKEN_LIFETIME_S,
  };
}

function accessToken(deps: OAuthWebDeps, req: IncomingMessage, url: URL, bodyText: string): { status: number; reply: TokenReply } {
  const params = tokenParams(req, url, bodyText);
  if (params === undefined) {
    const invalid: OAuthError = { error: 'invalid_request', error_description: 'Problems parsing JSON', error_uri: 'https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app' };
    return { status: 400, reply: { ...invalid } };
  }
  const basic = basicCredentials(req.headers.authorization);
  const app = authenticateClient(deps.state, basic?.user ?? params.get('client_id') ?? '', basic?.password ?? params.get('client_secret') ?? '');
  if (app === undefined) {
    return { status: 200, reply: { ...incorrectClientCredentials() } };
  }
  const now = deps.now();
  const grantType = params.get('grant_type') ?? 'authorization_code';
  if (grantType === 'authorization_code') {
    const redirectUri = params.get('redirect_uri');
    return { status: 200, reply: grantReply(redeemCode(deps.state, { app, code: params.get('code') ?? '', redirectUri: redirectUri ?? undefined, now })) };
  }
  if (grantType === 'refresh_token') {
    return { status: 200, reply: grantReply(refreshGrant(deps.state, { app, refreshToken: params.get('refresh_token') ?? '', now })) };
  }
  return { status: 200, reply: { ...unsupportedGrantType() } };
}

function sendTokenReply(req: IncomingMessage, res: ServerResponse, status: number, reply: TokenReply): void {
  if (/\bapplication\/json\b/i.test(req.headers.accept ?? '')) {
    sendJson(res, status, reply);
    return;
  }
  // GitHub's default answer is form-encoded.
  const text = new URLSearchParams(Object.entries(reply).map(([k, v]): [string, string] => [k, String(v)])).toString();
  res.writeHead(status, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function answer(deps: OAuthWebDeps, req: IncomingMessage, res: ServerResponse, url: URL, bodyText: string): number {
  const method = req.method ?? 'GET';
  if (url.pathname === AUTHORIZE_PATH && method === 'GET') {
    return authorize(deps, res, url);
  }
  if (url.pathname === ACCESS_TOKEN_PATH && method === 'POST') {
    const { status, reply } = accessToken(deps, req, url, bodyText);
    sendTokenReply(req, res, status, reply);
    return status;
  }
  sendHtml(res, 404, errorPage('Not Found', `${method} ${url.pathname} is not part of the OAuth web flow.`));
  return 404;
}

export function createOAuthWeb(deps: OAuthWebDeps): (req: IncomingMessage, res: ServerResponse, url: URL, bodyText: string) => Promise<void> {
  return async (req, res, url, bodyText) => {
    // The token endpoint's query may carry the client secret or a code; the log keeps only the path.
    const logged = url.pathname === ACCESS_TOKEN_PATH ? url.pathname : url.pathname + url.search;
    await waitForHolds(deps.observations, logged);
    const status = answer(deps, req, res, url, bodyText);
    deps.observations.requests.push({ method: req.method ?? 'GET', path: logged, status, tokenKind: 'none', operationId: null, installationId: null, at: deps.now() });
  };
}
