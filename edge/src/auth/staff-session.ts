/**
 * Staff sessions (docs/domain.md §8.1). A signed-in browser holds three
 * cookies:
 *
 * - `stageline_session`: a session JWT (HS256, 15 minutes) naming the user
 *   and the session row. HttpOnly, so page scripts never see it.
 * - `stageline_refresh`: `<session id>.<secret>`, sent only to `/auth/*`
 *   (SameSite=Strict), stored as a SHA-256 and rotated on every refresh.
 * - `stageline_csrf`: the session's CSRF token, readable by the console,
 *   which echoes it in `X-CSRF-Token` on every state-changing call. It is an
 *   HMAC of the session id, so it survives refreshes and a forged cookie
 *   cannot match it.
 *
 * The JWT audience differs per purpose, so an OAuth state token can never
 * pass as a session. Tokens and cookies are never logged.
 */
import { base64url, errors, jwtVerify, SignJWT } from 'jose';
import { hmacBase64url, sameText, sha256Hex } from '../lib/crypto.ts';

export const SESSION_COOKIE = 'stageline_session';
export const REFRESH_COOKIE = 'stageline_refresh';
export const CSRF_COOKIE = 'stageline_csrf';
export const OAUTH_COOKIE = 'stageline_oauth';
export const CSRF_HEADER = 'x-csrf-token';

export const SESSION_TTL_SECONDS = 900;
/** A refresh slides the session this far; an idle browser is signed out after it. */
export const REFRESH_TTL_SECONDS = 7 * 86_400;
/** No refresh extends a session past this age: sign in again. */
export const MAX_SESSION_AGE_SECONDS = 30 * 86_400;
/** An old refresh token still works this long after its rotation (two tabs refreshing at once). */
export const REFRESH_GRACE_SECONDS = 60;
export const OAUTH_STATE_TTL_SECONDS = 600;

const ISSUER = 'stageline/edge';
const SESSION_AUDIENCE = 'stageline/staff';
const OAUTH_AUDIENCE = 'stageline/oauth-state';
const ALG = 'HS256';

function keyOf(key: string): Uint8Array {
  if (key.length < 32) {
    throw new Error('STAGELINE_SESSION_SIGNING_KEY must be at least 32 characters');
  }
  return new TextEncoder().encode(key);
}

export interface SessionClaims {
  userId: string;
  sessionId: string;
  login: string;
  csrf: string;
}

/** The session's CSRF token: stable for the session's life, unguessable without the key. */
export async function csrfTokenOf(key: string, sessionId: string): Promise<string> {
  return (await hmacBase64url(key, `csrf:${sessionId}`)).slice(0, 43);
}

export async function mintSessionToken(key: string, claims: SessionClaims, now: Date): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ sid: claims.sessionId, login: claims.login, csrf: claims.csrf })
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setSubject(claims.userId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + SESSION_TTL_SECONDS)
    .sign(keyOf(key));
}

export type SessionError = 'expired' | 'invalid';

export async function verifySessionToken(key: string, token: string, now: Date): Promise<{ ok: true; value: SessionClaims } | { ok: false; error: SessionError }> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, keyOf(key), { algorithms: [ALG], issuer: ISSUER, audience: SESSION_AUDIENCE, currentDate: now, requiredClaims: ['sub', 'exp', 'iat'] }));
  } catch (error) {
    return { ok: false, error: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
  }
  const { sub, sid, login, csrf } = payload;
  if (typeof sub !== 'string' || typeof sid !== 'string' || typeof login !== 'string' || typeof csrf !== 'string') {
    return { ok: false, error: 'invalid' };
  }
  return { ok: true, value: { userId: sub, sessionId: sid, login, csrf } };
}

/** What the OAuth round trip must bring back: the state we sent and where the person was going. */
export interface OAuthState {
  state: string;
  returnTo: string;
}

export async function mintOAuthStateToken(key: string, value: OAuthState, now: Date): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ state: value.state, return_to: value.returnTo })
    .setProtectedHeader({ alg: ALG, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(OAUTH_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + OAUTH_STATE_TTL_SECONDS)
    .sign(keyOf(key));
}

/** The state cookie's content if it is ours, fresh, and carries `state`; null otherwise. */
export async function checkOAuthState(key: string, token: string, state: string, now: Date): Promise<OAuthState | null> {
  try {
    const { payload } = await jwtVerify(token, keyOf(key), { algorithms: [ALG], issuer: ISSUER, audience: OAUTH_AUDIENCE, currentDate: now });
    const { state: expected, return_to: returnTo } = payload;
    if (typeof expected !== 'string' || typeof returnTo !== 'string' || !sameText(expected, state)) {
      return null;
    }
    return { state: expected, returnTo };
  } catch {
    return null;
  }
}

/** A new refresh token for a session, and the hash the database keeps. */
export async function newRefreshToken(sessionId: string): Promise<{ token: string; hash: string }> {
  const secret = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  return { token: `${sessionId}.${secret}`, hash: await sha256Hex(secret) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Splits a refresh cookie into its session id and the hash of its secret; null when malformed. */
export async function readRefreshToken(raw: string | undefined): Promise<{ sessionId: string; hash: string } | null> {
  if (raw === undefined || raw.length > 200) {
    return null;
  }
  const dot = raw.indexOf('.');
  const sessionId = raw.slice(0, dot);
  const secret = raw.slice(dot + 1);
  if (dot < 0 || !UUID.test(sessionId) || !/^[A-Za-z0-9_-]{20,100}$/.test(secret)) {
    return null;
  }
  return { sessionId, hash: await sha256Hex(secret) };
}
