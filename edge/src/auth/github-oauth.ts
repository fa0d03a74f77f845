/**
 * Sign in with GitHub (docs/domain.md §8.1): the GitHub App's user
 * authorization, through arctic's OAuth 2.0 client. The endpoints come from
 * settings, so GitHub Enterprise Server and the in-repo fake GitHub
 * (github-fake/) work like github.com. Only the user's id, login, name and
 * avatar are kept; the user access token is used once and dropped.
 */
import { ArcticFetchError, OAuth2Client, OAuth2RequestError } from 'arctic';
import { githubWebOrigin } from '../github/app-manifest.ts';

export interface GitHubOAuthSettings {
  clientId: string;
  clientSecret: string;
  /** https://github.com, or the Enterprise Server / fake origin. */
  webUrl: string;
  apiUrl: string;
}

const text = (value: string | undefined): string => (value ?? '').trim();

/** Null while the App's client id or secret is not configured: sign-in answers 503. */
export function readGitHubOAuthSettings(env: Pick<Env, 'GITHUB_APP_CLIENT_ID' | 'GITHUB_APP_CLIENT_SECRET' | 'GITHUB_WEB_URL' | 'GITHUB_API_URL'>): GitHubOAuthSettings | null {
  const clientId = text(env.GITHUB_APP_CLIENT_ID);
  const clientSecret = text(env.GITHUB_APP_CLIENT_SECRET);
  if (clientId === '' || clientSecret === '') {
    return null;
  }
  const apiUrl = text(env.GITHUB_API_URL) || 'https://api.github.com';
  const webUrl = (text(env.GITHUB_WEB_URL) || githubWebOrigin(apiUrl)).replace(/\/+$/, '');
  return { clientId, clientSecret, webUrl, apiUrl: apiUrl.replace(/\/+$/, '') };
}

function client(settings: GitHubOAuthSettings, redirectUri: string): OAuth2Client {
  return new OAuth2Client(settings.clientId, settings.clientSecret, redirectUri);
}

/** Where the browser goes to sign in; `login` is GitHub's account suggestion. */
export function authorizationUrl(settings: GitHubOAuthSettings, redirectUri: string, state: string, login: string | null): URL {
  const url = client(settings, redirectUri).createAuthorizationURL(`${settings.webUrl}/login/oauth/authorize`, state, []);
  if (login !== null) {
    url.searchParams.set('login', login);
  }
  return url;
}

export type ExchangeError = { kind: 'bad_code'; detail: string } | { kind: 'unavailable'; detail: string };

/** The code from the callback → a user access token. GitHub reports a bad code as a 200 with `error`. */
export async function exchangeCode(settings: GitHubOAuthSettings, redirectUri: string, code: string): Promise<{ ok: true; token: string } | { ok: false; error: ExchangeError }> {
  try {
    const tokens = await client(settings, redirectUri).validateAuthorizationCode(`${settings.webUrl}/login/oauth/access_token`, code, null);
    const error = tokens.data['error' as keyof object];
    if (typeof error === 'string') {
      return { ok: false, error: { kind: 'bad_code', detail: error } };
    }
    return { ok: true, token: tokens.accessToken() };
  } catch (error) {
    if (error instanceof OAuth2RequestError) {
      return { ok: false, error: { kind: 'bad_code', detail: error.code } };
    }
    return { ok: false, error: { kind: 'unavailable', detail: error instanceof ArcticFetchError ? 'fetch failed' : error instanceof Error ? error.name : 'unknown' } };
  }
}

export interface GitHubUser {
  id: number;
  login: string;
  name: string | null;
  avatarUrl: string | null;
}

/** `GET /user` with the user's token. */
export async function fetchGitHubUser(settings: GitHubOAuthSettings, token: string): Promise<GitHubUser | null> {
  const response = await fetch(`${settings.apiUrl}/user`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'user-agent': 'stageline-edge', 'x-github-api-version': '2022-11-28' },
  });
  if (!response.ok) {
    await response.body?.cancel();
    return null;
  }
  const body: unknown = await response.json();
  if (typeof body !== 'object' || body === null) {
    return null;
  }
  const { id, login, name, avatar_url: avatarUrl } = body as Record<string, unknown>;
  if (typeof id !== 'number' || typeof login !== 'string') {
    return null;
  }
  return { id, login, name: typeof name === 'string' ? name : null, avatarUrl: typeof avatarUrl === 'string' ? avatarUrl : null };
}
