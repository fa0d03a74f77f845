/**
 * Hono middleware that gives handlers what the composition root builds:
 * `c.var.root` and `c.var.log` on every request, `c.var.db` on the routes
 * that read Postgres, `c.var.agent` on the cluster-agent routes. Handlers
 * never open or close a pool themselves, so no path can forget to release
 * one: the pool is closed when the request is done, answered or thrown.
 */
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { hashAgentToken, isValidInstanceId, readBearer } from '../auth/agent-token.ts';
import { findClusterByTokenHash } from '../db/cluster-repo.ts';
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

/** Let a cleanup outlive the answer (outside a request, e.g. in unit tests, just await it). */
function closeAfter(c: Context<AppEnv>, done: Promise<void>): void {
  const quiet = done.catch((error: unknown) => c.var.log.debug('pool close failed', { error }));
  try {
    c.executionCtx.waitUntil(quiet);
  } catch {
    // No execution context (hono's app.request in a plain test): the promise runs on its own.
  }
}
