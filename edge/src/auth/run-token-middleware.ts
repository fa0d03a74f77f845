/**
 * The one check of a run token (docs/domain.md §6.1), in front of every
 * route a run's Job calls (`/runner/*`, later `/mcp`):
 *   Authorization: Bearer <jwt> ─► HS256 signature, issuer, audience, expiry (run-token.ts)
 *   ─► the run as it is now ─► refused when it is gone or finished, when its
 *   lease moved to another epoch (a takeover) or the attempt differs
 *   ─► `c.var.run` = who is calling, with the tool scope the token carries.
 * Every refusal is 401 with `WWW-Authenticate: Bearer` and the standard error
 * body, and writes nothing. Refusals are logged with the token's `jti`, never
 * the token.
 */
import { isTerminalStatus, type RunTool } from '@stageline/policy';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Db } from '../db/client.ts';
import { findRunSpec, findTokenRun, type RunSpecRow } from '../db/run-token-repo.ts';
import type { AppEnv, Vars } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';
import { verifyRunToken } from './run-token.ts';

/** The run a verified token speaks for. */
export interface RunPrincipal {
  id: string;
  projectId: string;
  clusterId: string | null;
  epoch: number;
  attemptNo: number;
  scope: RunTool[];
  jti: string;
}

/** Routes behind `withRunToken` see the calling run as `c.var.run`; with `{ spec: true }` also its spec row as `c.var.runSpec`. */
export type RunnerEnv = { Bindings: AppEnv['Bindings']; Variables: Vars & { run: RunPrincipal; runSpec?: RunSpecRow } };

/** Longer than a cluster token: a JWT with its tool scope runs to about a kilobyte. */
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/;
const MAX_TOKEN_CHARS = 4096;

function readRunBearer(header: string | undefined): string | null {
  if (header === undefined || header.length > MAX_TOKEN_CHARS + 7) {
    return null;
  }
  return BEARER.exec(header)?.[1] ?? null;
}

function refuse(c: Context<RunnerEnv>, message: string, invalidToken: boolean): Response {
  const challenge = invalidToken ? 'Bearer error="invalid_token"' : 'Bearer';
  return c.json(errorBody('unauthorized', message), 401, { 'WWW-Authenticate': challenge });
}

export interface RunTokenOptions {
  /** The database handle of this request (default: `c.var.db` from `withDb`). */
  db?: (c: Context<RunnerEnv>) => Db;
  now?: () => Date;
  /**
   * Read the run's spec row (db/run-token-repo.ts `findRunSpec`) for the check
   * and keep it as `c.var.runSpec`: one read where a route needs both (`/mcp`).
   */
  spec?: boolean;
}

/** Verify the run token and the run behind it; 401 on anything else. */
export function withRunToken(options: RunTokenOptions = {}) {
  const dbOf = options.db ?? ((c: Context<RunnerEnv>) => c.var.db);
  const now = options.now ?? (() => new Date());
  return createMiddleware<RunnerEnv>(async (c, next) => {
    const token = readRunBearer(c.req.header('authorization'));
    if (token === null) {
      return refuse(c, 'missing or malformed run token', false);
    }
    const verified = await verifyRunToken(c.var.root.settings.runTokenKey, token, now());
    if (!verified.ok) {
      c.var.log.info('run token refused', { reason: verified.error });
      return refuse(c, verified.error === 'expired' ? 'run token expired' : 'invalid run token', true);
    }
    const claims = verified.value;
    const run = options.spec === true ? await findRunSpec(dbOf(c), claims.runId) : await findTokenRun(dbOf(c), claims.runId);
    const why =
      run === null
        ? 'no such run'
        : isTerminalStatus(run.status)
          ? 'run is finished'
          : run.leaseEpoch !== claims.epoch
            ? 'run token is for another lease epoch'
            : run.attemptNo !== claims.attemptNo
              ? 'run token is for another attempt'
              : null;
    if (run === null || why !== null) {
      c.var.log.info('run token refused', { reason: why, runId: claims.runId, jti: claims.jti, epoch: claims.epoch });
      return refuse(c, why ?? 'no such run', true);
    }
    if (options.spec === true) {
      c.set('runSpec', run as RunSpecRow);
    }
    c.set('run', { id: run.id, projectId: run.projectId, clusterId: run.clusterId, epoch: run.leaseEpoch, attemptNo: run.attemptNo, scope: claims.scope, jti: claims.jti });
    await next();
  });
}
