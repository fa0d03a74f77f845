/**
 * Hono middleware that gives handlers what the composition root builds:
 * `c.var.root` and `c.var.log` on every request, `c.var.db` on the routes
 * that read Postgres, `c.var.agent` on the cluster-agent routes. Handlers
 * never open or close a pool themselves, so no path can forget to release
 * one: the pool is closed when the request is done, answered or thrown.
 */
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { hashAgentToken, isValidInstanceId, readBearer } from '../auth/agent-token.ts';
import { CSRF_HEADER, SESSION_COOKIE, verifySessionToken } from '../auth/staff-session.ts';
import { findClusterByTokenHash } from '../db/cluster-repo.ts';
import { membershipsOf, sessionWithUser } from '../db/staff-repo.ts';
import { sameText } from '../lib/crypto.ts';
import type { AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';
import { createEdgeRoot } from './root.ts';

/** Every request: a request id, its logger, the composition root. */
export const withRoot = createMiddleware<AppEnv>(async (c, next) => {
  const requestId = c.req.header('cf-ray') ?? crypto.randomUUID();
  const root = createEdgeRoot(c.env, { requestId });
  c.set('requestId', requestId);
  c.set('root', root);
  c.set('log', root.log);
  await next();
});

/** A database handle for this request, closed after it whatever happened. */
export const withDb = createMiddleware<AppEnv>(async (c, next) => {
  const handle = c.var.root.openDb();
  c.set('db', handle.db);
  try {
    await next();
  } finally {
    closeAfter(c, handle.close());
  }
});

/**
 * The calling cluster agent: `Authorization: Bearer <cluster token>` and
 * `X-Stageline-Instance-Id`. 401 without detail on any token mismatch.
 */
export const withAgent = createMiddleware<AppEnv>(async (c, next) => {
  const token = readBearer(c.req.header('authorization'));
  const instanceId = c.req.header('x-stageline-instance-id');
  if (token === null) {
    return c.json(errorBody('unauthorized', 'missing or malformed cluster token'), 401, { 'WWW-Authenticate': 'Bearer' });
  }
  if (!isValidInstanceId(instanceId)) {
    return c.json(errorBody('invalid_argument', 'missing or malformed X-Stageline-Instance-Id', 'x-stageline-instance-id'), 400);
  }
  const cluster = await findClusterByTokenHash(c.var.db, await hashAgentToken(token));
  if (cluster === null) {
    return c.json(errorBody('unauthorized', 'unknown cluster token'), 401, { 'WWW-Authenticate': 'Bearer' });
  }
  c.set('agent', { clusterId: cluster.id, instanceId });
  await next();
});

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The signed-in staff member (docs/domain.md §8.1): the session cookie's JWT,
 * a live session row, and the caller's project roles read now, so a role
 * taken away applies at the next request. 401 `session_expired` tells the
 * console to refresh and retry; other 401s mean "sign in". A state-changing
 * call must echo the session's CSRF token in `X-CSRF-Token` (403 otherwise),
 * and a request from a foreign `Origin` is refused.
 */
export const withStaff = createMiddleware<AppEnv>(async (c, next) => {
  const unauthenticated = (code: 'unauthorized' | 'session_expired', message: string) => c.json(errorBody(code, message), 401, { 'cache-control': 'no-store' });
  const token = getCookie(c, SESSION_COOKIE);
  if (token === undefined || token.length > 4096) {
    return unauthenticated('unauthorized', 'sign in first');
  }
  const now = new Date();
  const verified = await verifySessionToken(c.var.root.settings.sessionKey, token, now);
  if (!verified.ok) {
    return verified.error === 'expired' ? unauthenticated('session_expired', 'the session expired; refresh it') : unauthenticated('unauthorized', 'the session is not valid; sign in again');
  }
  const claims = verified.value;
  const found = await sessionWithUser(c.var.db, claims.sessionId);
  if (found === null || found.user.id !== claims.userId || found.session.revokedAt !== null || found.session.expiresAt <= now) {
    return unauthenticated('unauthorized', 'the session has ended; sign in again');
  }
  const origin = c.req.header('origin');
  if (origin !== undefined && origin !== new URL(c.req.url).origin) {
    return c.json(errorBody('forbidden', 'cross-origin staff requests are refused'), 403);
  }
  if (!SAFE_METHODS.has(c.req.method) && !sameText(c.req.header(CSRF_HEADER) ?? '', claims.csrf)) {
    return c.json(errorBody('forbidden', 'missing or wrong X-CSRF-Token', 'x-csrf-token'), 403);
  }
  const { user } = found;
  const memberships = await membershipsOf(c.var.db, user.login);
  c.set('staff', {
    userId: user.id,
    sessionId: claims.sessionId,
    login: user.login,
    name: user.name,
    avatarUrl: user.avatarUrl,
    csrf: claims.csrf,
    platformAdmin: user.platformAdmin || c.var.root.settings.platformAdmins.includes(user.login),
    roles: new Map(memberships.map((m) => [m.projectId, m.role])),
  });
  await next();
});

/** Let a cleanup outlive the answer (outside a request, e.g. in unit tests, just await it). */
function closeAfter(c: Context<AppEnv>, done: Promise<void>): void {
  const quiet = done.catch((error: unknown) => c.var.log.debug('pool close failed', { error }));
  try {
    c.executionCtx.waitUntil(quiet);
  } catch {
    // No execution context (hono's app.request in a plain test): the promise runs on its own.
  }
}
