/**
 * Staff sign-in (docs/domain.md §8.1): GitHub's web flow, then a session of
 * three cookies (auth/staff-session.ts).
 *
 * - `GET /auth/github/login?return_to=/runs/…` → GitHub, with a state token
 *   in a short-lived cookie;
 * - `GET /auth/github/callback` → checks the state, exchanges the code,
 *   reads the user, starts a session, back to `return_to` (own paths only);
 * - `POST /auth/refresh` → a new session JWT, the refresh token rotated;
 * - `POST /auth/logout` → the session revoked, the cookies cleared.
 */
import { safeReturnPath } from '@stageline/policy';
import { generateState } from 'arctic';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { authorizationUrl, exchangeCode, fetchGitHubUser, readGitHubOAuthSettings } from '../auth/github-oauth.ts';
import {
  checkOAuthState,
  CSRF_COOKIE,
  CSRF_HEADER,
  csrfTokenOf,
  MAX_SESSION_AGE_SECONDS,
  mintOAuthStateToken,
  mintSessionToken,
  newRefreshToken,
  OAUTH_COOKIE,
  OAUTH_STATE_TTL_SECONDS,
  readRefreshToken,
  REFRESH_COOKIE,
  REFRESH_GRACE_SECONDS,
  REFRESH_TTL_SECONDS,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
} from '../auth/staff-session.ts';
import { insertSession, revokeSession, rotateSession, sessionWithUser, upsertStaffUser } from '../db/staff-repo.ts';
import { sessionEndedEffects } from '../domain/console-access.ts';
import type { AppEnv } from '../env.ts';
import { sameText } from '../lib/crypto.ts';
import { errorBody } from '../lib/http-error.ts';

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const OAUTH_PATH = '/auth/github';

function callbackUrl(c: Context<AppEnv>): string {
  return `${c.var.root.settings.consoleUrl ?? new URL(c.req.url).origin}${OAUTH_PATH}/callback`;
}

/** The session's cookies. The session cookie outlives its JWT so an expired one is told apart from none (401 `session_expired`). */
function setSessionCookies(c: Context<AppEnv>, cookies: { session: string; csrf: string; refresh?: string }): void {
  setCookie(c, SESSION_COOKIE, cookies.session, { httpOnly: true, secure: true, sameSite: 'Lax', path: '/', maxAge: REFRESH_TTL_SECONDS });
  setCookie(c, CSRF_COOKIE, cookies.csrf, { httpOnly: false, secure: true, sameSite: 'Strict', path: '/', maxAge: REFRESH_TTL_SECONDS });
  if (cookies.refresh !== undefined) {
    setCookie(c, REFRESH_COOKIE, cookies.refresh, { httpOnly: true, secure: true, sameSite: 'Strict', path: '/auth', maxAge: REFRESH_TTL_SECONDS });
  }
}

function clearSessionCookies(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: true });
  deleteCookie(c, CSRF_COOKIE, { path: '/', secure: true });
  deleteCookie(c, REFRESH_COOKIE, { path: '/auth', secure: true });
}

const noStore = { 'cache-control': 'no-store' };

export const staffAuth = new Hono<AppEnv>()
  .get(`${OAUTH_PATH}/login`, async (c) => {
    const oauth = readGitHubOAuthSettings(c.env);
    if (oauth === null) {
      return c.json(errorBody('unavailable', 'sign-in is not configured: set GITHUB_APP_CLIENT_ID and the GITHUB_APP_CLIENT_SECRET secret'), 503);
    }
    const login = c.req.query('login') ?? null;
    if (login !== null && !LOGIN.test(login)) {
      return c.json(errorBody('invalid_argument', 'login must be a GitHub login', 'login'), 400);
    }
    const state = generateState();
    const returnTo = safeReturnPath(c.req.query('return_to'));
    const token = await mintOAuthStateToken(c.var.root.settings.sessionKey, { state, returnTo }, new Date());
    // Lax: the callback is a top-level navigation back from GitHub, which Strict would strip.
    setCookie(c, OAUTH_COOKIE, token, { httpOnly: true, secure: true, sameSite: 'Lax', path: OAUTH_PATH, maxAge: OAUTH_STATE_TTL_SECONDS });
    return c.redirect(authorizationUrl(oauth, callbackUrl(c), state, login).toString(), 302);
  })
  .get(`${OAUTH_PATH}/callback`, async (c) => {
    const oauth = readGitHubOAuthSettings(c.env);
    if (oauth === null) {
      return c.json(errorBody('unavailable', 'sign-in is not configured'), 503);
    }
    const cookie = getCookie(c, OAUTH_COOKIE);
    deleteCookie(c, OAUTH_COOKIE, { path: OAUTH_PATH, secure: true });
    const denied = c.req.query('error');
    if (denied !== undefined) {
      // The person pressed Cancel on GitHub: back to the console, which says so.
      return c.redirect(`/?signin_error=${/^[a-z_]{1,40}$/.test(denied) ? denied : 'unknown'}`, 302);
    }
    const code = c.req.query('code');
    const state = c.req.query('state');
    if (code === undefined || state === undefined || code.length > 200 || state.length > 200) {
      return c.json(errorBody('invalid_argument', 'code and state are required'), 400);
    }
    const now = new Date();
    const { settings } = c.var.root;
    const expected = cookie === undefined ? null : await checkOAuthState(settings.sessionKey, cookie, state, now);
    if (expected === null) {
      c.var.log.warn('sign-in callback refused', { reason: cookie === undefined ? 'no state cookie' : 'state mismatch or expired' });
      return c.json(errorBody('invalid_argument', 'this sign-in link is stale or was not started here; sign in again', 'state'), 400);
    }
    const exchanged = await exchangeCode(oauth, callbackUrl(c), code);
    if (!exchanged.ok) {
      c.var.log.warn('sign-in code exchange failed', { kind: exchanged.error.kind, detail: exchanged.error.detail });
      return exchanged.error.kind === 'bad_code'
        ? c.json(errorBody('invalid_argument', 'GitHub did not accept the sign-in code; sign in again', 'code'), 400)
        : c.json(errorBody('unavailable', 'GitHub did not answer; try again'), 502);
    }
    const user = await fetchGitHubUser(oauth, exchanged.token);
    if (user === null) {
      return c.json(errorBody('unavailable', 'GitHub did not tell who signed in; try again'), 502);
    }
    const row = await upsertStaffUser(c.var.db, { githubId: user.id, login: user.login, name: user.name, avatarUrl: user.avatarUrl }, now);
    const sessionId = crypto.randomUUID();
    const refresh = await newRefreshToken(sessionId);
    await insertSession(c.var.db, { id: sessionId, userId: row.id, refreshHash: refresh.hash, expiresAt: new Date(now.getTime() + REFRESH_TTL_SECONDS * 1000), now });
    const csrf = await csrfTokenOf(settings.sessionKey, sessionId);
    const session = await mintSessionToken(settings.sessionKey, { userId: row.id, sessionId, login: row.login, csrf }, now);
    setSessionCookies(c, { session, csrf, refresh: refresh.token });
    c.var.log.info('staff signed in', { login: row.login, sessionId });
    return c.redirect(expected.returnTo, 302);
  })
  .post('/auth/refresh', async (c) => {
    const refresh = await readRefreshToken(getCookie(c, REFRESH_COOKIE));
    if (refresh === null) {
      return c.json(errorBody('unauthorized', 'no session to refresh; sign in'), 401, noStore);
    }
    const { settings } = c.var.root;
    const csrf = await csrfTokenOf(settings.sessionKey, refresh.sessionId);
    if (!sameText(c.req.header(CSRF_HEADER) ?? '', csrf)) {
      return c.json(errorBody('forbidden', 'missing or wrong X-CSRF-Token', 'x-csrf-token'), 403);
    }
    const now = new Date();
    const found = await sessionWithUser(c.var.db, refresh.sessionId);
    const session = found?.session;
    if (found === null || session === undefined || session.revokedAt !== null || session.expiresAt <= now || now.getTime() - session.createdAt.getTime() > MAX_SESSION_AGE_SECONDS * 1000) {
      clearSessionCookies(c);
      return c.json(errorBody('unauthorized', 'the session has ended; sign in again'), 401, noStore);
    }
    let rotated: string | undefined;
    if (sameText(refresh.hash, session.refreshHash)) {
      const next = await newRefreshToken(session.id);
      const expiresAt = new Date(Math.min(now.getTime() + REFRESH_TTL_SECONDS * 1000, session.createdAt.getTime() + MAX_SESSION_AGE_SECONDS * 1000));
      if (await rotateSession(c.var.db, { id: session.id, fromHash: refresh.hash, toHash: next.hash, expiresAt, now })) {
        rotated = next.token;
      }
      // Lost the race to another tab: the browser already holds the newer refresh token; a session JWT is enough.
    } else if (!(session.previousRefreshHash !== null && sameText(refresh.hash, session.previousRefreshHash) && session.rotatedAt !== null && now.getTime() - session.rotatedAt.getTime() <= REFRESH_GRACE_SECONDS * 1000)) {
      // An old refresh token long after its rotation: someone kept a copy. End the session for everyone holding it.
      await revokeSession(c.var.db, session.id, now);
      clearSessionCookies(c);
      c.var.log.warn('refresh token reuse; session revoked', { sessionId: session.id, login: found.user.login });
      c.executionCtx.waitUntil(c.var.root.effects.run(await sessionEndedEffects(c.var.db, found.user.login, session.id, 'session revoked'), c.var.log));
      return c.json(errorBody('unauthorized', 'the session has ended; sign in again'), 401, noStore);
    }
    const token = await mintSessionToken(settings.sessionKey, { userId: found.user.id, sessionId: session.id, login: found.user.login, csrf }, now);
    setSessionCookies(c, rotated === undefined ? { session: token, csrf } : { session: token, csrf, refresh: rotated });
    return c.json({ expires_at: new Date(now.getTime() + SESSION_TTL_SECONDS * 1000).toISOString() }, 200, noStore);
  })
  .post('/auth/logout', async (c) => {
    const refresh = await readRefreshToken(getCookie(c, REFRESH_COOKIE));
    if (refresh !== null) {
      const csrf = await csrfTokenOf(c.var.root.settings.sessionKey, refresh.sessionId);
      if (!sameText(c.req.header(CSRF_HEADER) ?? '', csrf)) {
        return c.json(errorBody('forbidden', 'missing or wrong X-CSRF-Token', 'x-csrf-token'), 403);
      }
      const found = await sessionWithUser(c.var.db, refresh.sessionId);
      if (found !== null && sameText(found.session.refreshHash, refresh.hash)) {
        await revokeSession(c.var.db, found.session.id, new Date());
        c.executionCtx.waitUntil(c.var.root.effects.run(await sessionEndedEffects(c.var.db, found.user.login, found.session.id, 'signed out'), c.var.log));
      }
    }
    clearSessionCookies(c);
    return c.body(null, 204);
  });
