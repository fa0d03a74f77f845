/**
 * The OAuth web flow's state changes (docs: "Generating a user access token
 * for a GitHub App", "Refreshing user access tokens"): one-time codes bound to
 * the App, the redirect URI and the person; user access tokens (`ghu_`, eight
 * hours) with refresh tokens (`ghr_`, six months) that rotate on use. HTTP
 * lives in oauth-web.ts; failures are returned with GitHub's error codes.
 */
import { randomBytes } from 'node:crypto';
import type { AppState, FakeState, OAuthCodeState, UserState, UserTokenState } from './state.ts';

export const CODE_LIFETIME_MS = 10 * 60 * 1000;
export const ACCESS_TOKEN_LIFETIME_S = 8 * 60 * 60;
export const REFRESH_TOKEN_LIFETIME_S = 15_897_600;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TROUBLESHOOTING = 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/';

export interface OAuthError {
  error: string;
  error_description: string;
  error_uri: string;
}

export type Grant = { ok: true; token: UserTokenState } | { ok: false; error: OAuthError };

function oauthError(error: string, description: string, anchor: string): OAuthError {
  return { error, error_description: description, error_uri: `${TROUBLESHOOTING}#${anchor}` };
}

export const incorrectClientCredentials = (): OAuthError => oauthError('incorrect_client_credentials', 'The client_id and/or client_secret passed are incorrect.', 'incorrect-client-credentials');
const badVerificationCode = (): OAuthError => oauthError('bad_verification_code', 'The code passed is incorrect or expired.', 'bad-verification-code');
const redirectUriMismatch = (): OAuthError => oauthError('redirect_uri_mismatch', 'The redirect_uri MUST match the registered callback URL for this application.', 'redirect-uri-mismatch2');
const badRefreshToken = (): OAuthError => oauthError('bad_refresh_token', 'The refresh token passed is incorrect or expired.', 'bad-refresh-token');
export const unsupportedGrantType = (): OAuthError => oauthError('unsupported_grant_type', 'The grant type is not supported.', 'unsupported-grant-type');

function randomAlnum(length: number): string {
  return [...randomBytes(length)].map((b) => ALNUM[b % ALNUM.length]).join('');
}

/** People the authorize page offers: seeded with `seedUser` and allowed to sign in. */
export function signInUsers(state: FakeState): UserState[] {
  return [...state.users.values()].filter((u) => u.type === 'User' && u.profile?.signIn === true);
}

export function findAppByClientId(state: FakeState, clientId: string): AppState | undefined {
  return [...state.apps.values()].find((a) => a.clientId === clientId);
}

/** The App whose id and secret these are, or undefined: GitHub does not say which of the two was wrong. */
export function authenticateClient(state: FakeState, clientId: string, clientSecret: string): AppState | undefined {
  const app = findAppByClientId(state, clientId);
  return app !== undefined && app.clientSecret === clientSecret ? app : undefined;
}

export function issueCode(state: FakeState, input: { app: AppState; redirectUri: string; user: UserState; now: number }): OAuthCodeState {
  const code: OAuthCodeState = {
    code: randomBytes(10).toString('hex'),
    appId: input.app.id,
    redirectUri: input.redirectUri,
    user: input.user,
    expiresAt: input.now + CODE_LIFETIME_MS,
  };
  state.oauthCodes.set(code.code, code);
  return code;
}

function mintUserToken(state: FakeState, app: AppState, user: UserState, now: number): UserTokenState {
  const token: UserTokenState = {
    token: `ghu_${randomAlnum(36)}`,
    refreshToken: `ghr_${randomAlnum(76)}`,
    appId: app.id,
    user,
    createdAt: now,
    expiresAt: now + ACCESS_TOKEN_LIFETIME_S * 1000,
    refreshExpiresAt: now + REFRESH_TOKEN_LIFETIME_S * 1000,
    revokedAt: null,
  };
  state.userTokens.set(token.token, token);
  return token;
}

/**
 * Code → tokens. A code is single use, expires after ten minutes and belongs
 * to one App; a `redirect_uri`, when sent, must be the one the code was issued
 * for. A failed attempt leaves the code as it was.
 */
export function redeemCode(state: FakeState, input: { app: AppState; code: string; redirectUri: string | undefined; now: number }): Grant {
  const code = state.oauthCodes.get(input.code);
  if (code === undefined || code.appId !== input.app.id) {
    return { ok: false, error: badVerificationCode() };
  }
  if (code.expiresAt <= input.now) {
    state.oauthCodes.delete(code.code);
    return { ok: false, error: badVerificationCode() };
  }
  if (input.redirectUri !== undefined && input.redirectUri !== code.redirectUri) {
    return { ok: false, error: redirectUriMismatch() };
  }
  state.oauthCodes.delete(code.code);
  return { ok: true, token: mintUserToken(state, input.app, code.user, input.now) };
}

/** Refresh token → a new pair; the used refresh token and the old access token stop working, as on GitHub. */
export function refreshGrant(state: FakeState, input: { app: AppState; refreshToken: string; now: number }): Grant {
  const old = [...state.userTokens.values()].find((t) => t.refreshToken === input.refreshToken);
  if (old === undefined || old.appId !== input.app.id || old.revokedAt !== null || old.refreshExpiresAt <= input.now) {
    return { ok: false, error: badRefreshToken() };
  }
  old.revokedAt = input.now;
  return { ok: true, token: mintUserToken(state, input.app, old.user, input.now) };
}

/** A user access token that exists, has not expired and was not rotated away. */
export function liveUserToken(state: FakeState, raw: string, now: number): UserTokenState | undefined {
  const token = state.userTokens.get(raw);
  return token === undefined || token.expiresAt <= now || token.revokedAt !== null ? undefined : token;
}
