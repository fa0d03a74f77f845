import { parseRunSpec, writeScopeRule } from '@stageline/policy';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { withRunToken, type RunnerEnv } from '../auth/run-token-middleware.ts';
import { updateRunProgress } from '../db/runner-progress-repo.ts';
import { findSession, putSession } from '../db/run-session-repo.ts';
import { findRunSpec, type RunSpecRow } from '../db/run-token-repo.ts';
import { githubEffects, realtimeEffects } from '../domain/effects.ts';
import { openOrUpdatePullRequest } from '../domain/open-pull-request.ts';
import { repoOfRun } from '../domain/run-repository.ts';
import { buildRunnerSpec } from '../domain/runner-spec.ts';
import { recordRunnerEvents } from '../domain/runner-progress.ts';
import { statusCommentEffect } from '../domain/status-effects.ts';
import { appendRunStatusEvent } from '../db/realtime-repo.ts';
import { readGitHubAppSettings } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';
import { readJsonBody } from '../lib/json-body.ts';

/**
 * What a run's Job asks the edge (docs/architecture.md, "The runner"), each
 * call authenticated by its run token (auth/run-token-middleware.ts; `withDb`
 * is mounted on `/runner/*` in app.ts):
 * - `GET /runner/v1/run`: the run's spec for the runner (domain/runner-spec.ts);
 * - `POST|DELETE /runner/v1/git-credentials`: a repository-scoped installation token for git, and its revocation;
 * - `POST /runner/v1/events`: the runner's event stream, at least once, deduplicated;
 * - `POST /runner/v1/pull-request`: open (or find) the run's PR after the push;
 * - `GET|PUT /runner/v1/session`: the coding agent's stored session, compare-and-set.
 */
const MAX_EVENTS_BODY = 256 * 1024;
const MAX_SESSION_BODY = 4 * 1024 * 1024;
const MAX_SMALL_BODY = 16 * 1024;

const EVENT_KINDS = ['phase', 'session_started', 'agent_message', 'tool_call', 'usage', 'finished', 'warning'] as const;
const eventsSchema = z.object({
  events: z
    .array(z.object({ seq: z.number().int().min(0).max(1_000_000), kind: z.enum(EVENT_KINDS), data: z.record(z.string(), z.unknown()) }))
    .min(1)
    .max(500),
});
const pullRequestSchema = z.object({ title: z.string().min(1).max(256), summary: z.string().max(20_000).default('') });
const sessionSchema = z.object({
  engine: z.enum(['codex', 'claude']),
  session_id: z.string().min(1).max(200),
  archive: z.string().max(MAX_SESSION_BODY).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
  expected_version: z.number().int().min(0),
});
const revokeSchema = z.object({ token: z.string().min(1).max(4096) });

async function loadSpec(c: Context<RunnerEnv>): Promise<RunSpecRow | Response> {
  const spec = await findRunSpec(c.var.db, c.var.run.id);
  // The middleware just read the run; only a deletion in between gets here.
  return spec ?? c.json(errorBody('not_found', 'run not found'), 404);
}

const noStore = { 'Cache-Control': 'no-store' };

export const runnerApi = new Hono<RunnerEnv>()
  .use('/runner/*', withRunToken())
  .get('/runner/v1/run', async (c) => {
    const row = await loadSpec(c);
    if (row instanceof Response) {
      return row;
    }
    const spec = buildRunnerSpec(row, c.var.run, { apiUrl: readGitHubAppSettings(c.env).apiUrl, edgeUrl: new URL(c.req.url).origin });
    if (spec === null) {
      return c.json(errorBody('failed_precondition', 'the run payload does not fit the run contract'), 409);
    }
    return c.json(spec);
  })
  .post('/runner/v1/git-credentials', async (c) => {
    const row = await loadSpec(c);
    if (row instanceof Response) {
      return row;
    }
    const repo = repoOfRun(row);
    const app = c.var.root.githubApp();
    if (repo === null || app === undefined) {
      return c.json(errorBody('failed_precondition', 'the run has no GitHub App installation'), 409);
    }
    const parsed = parseRunSpec(row.runPayload);
    const commits = parsed.ok && writeScopeRule(parsed.value.stage.write_scope).commits;
    // Contents write only for stages that commit; one repository; a token of the run's own, revoked when it ends.
    const minted = await app.tokens.mintUnshared({ installationId: repo.installationId, repositoryId: repo.repositoryId, scope: commits ? 'contentsWrite' : 'contentsRead' });
    if (!minted.ok) {
      c.var.log.warn('git credentials not minted', { runId: c.var.run.id, kind: minted.error.kind });
      return c.json(errorBody('unavailable', 'GitHub did not issue a token'), 503);
    }
    c.var.log.info('git credentials issued', { runId: c.var.run.id, write: commits });
    return c.json({ username: 'x-access-token', token: minted.value.token, expires_at: new Date(minted.value.expiresAt).toISOString(), write: commits }, 200, noStore);
  })
  .delete('/runner/v1/git-credentials', async (c) => {
    const body = await readJsonBody(c, revokeSchema, MAX_SMALL_BODY);
    if (!body.ok) {
      return body.response;
    }
    const app = c.var.root.githubApp();
    if (app === undefined) {
      return c.json(errorBody('failed_precondition', 'GitHub App not configured'), 409);
    }
    const res = await app.client.revokeInstallationToken(body.value.token);
    // Already expired or revoked is what the caller wanted.
    if (!res.ok && res.error.kind !== 'unauthorized') {
      return c.json(errorBody('unavailable', 'GitHub did not revoke the token'), 503);
    }
    return c.body(null, 204);
  })
  .post('/runner/v1/events', async (c) => {
    const body = await readJsonBody(c, eventsSchema, MAX_EVENTS_BODY);
    if (!body.ok) {
      return body.response;
    }
    const { run } = c.var;
    const events = body.value.events.map((e) => ({ seq: e.seq, kind: e.kind, payload: e.data }));
    const result = await c.var.db.transaction((tx) =>
      recordRunnerEvents(tx, { run: { id: run.id, attemptNo: run.attemptNo }, events, now: new Date(), consoleUrl: c.var.root.settings.consoleUrl }),
    );
    if (result.effects.length > 0) {
      c.executionCtx.waitUntil(c.var.root.effects.run(result.effects, c.var.log));
    }
    return c.json({ received: events.length, stored: result.stored, acked_through: Math.max(...events.map((e) => e.seq)) });
  })
  .post('/runner/v1/pull-request', async (c) => {
    const body = await readJsonBody(c, pullRequestSchema, MAX_SMALL_BODY + 20_000);
    if (!body.ok) {
      return body.response;
    }
    const row = await loadSpec(c);
    if (row instanceof Response) {
      return row;
    }
    const spec = buildRunnerSpec(row, c.var.run, { apiUrl: '', edgeUrl: '' });
    const repo = repoOfRun(row);
    const app = c.var.root.githubApp();
    if (spec === null || repo === null || app === undefined || spec.write.branch === null || !spec.write.commits) {
      return c.json(errorBody('failed_precondition', 'this run does not push a branch'), 409);
    }
    const opened = await openOrUpdatePullRequest(app.client, {
      repo,
      branch: spec.write.branch,
      base: spec.write.base_branch,
      issueNumber: spec.issue?.number ?? null,
      title: body.value.title,
      summary: body.value.summary,
    });
    if (!opened.ok) {
      c.var.log.warn('pull request not opened', { runId: row.id, kind: opened.error.kind });
      if (opened.error.kind === 'rate_limited') {
        // GitHub limits content creation (secondary limit): the runner waits and asks again.
        const seconds = Math.max(1, Math.ceil((opened.error.retryAt - Date.now()) / 1000));
        return c.json(errorBody('resource_exhausted', 'GitHub rate-limited the pull request; retry later'), 429, { 'Retry-After': String(seconds) });
      }
      return c.json(errorBody('unavailable', 'GitHub did not open the pull request'), 503);
    }
    const { pr, created } = opened.value;
    const now = new Date();
    const updated = await c.var.db.transaction(async (tx) => {
      const current = await updateRunProgress(tx, row.id, { branchName: spec.write.branch, pullRequestNumber: pr.number, pullRequestUrl: pr.html_url, progressShownAt: now }, now);
      return current === null ? null : { current, event: await appendRunStatusEvent(tx, current) };
    });
    if (updated !== null) {
      const effects = [...realtimeEffects([updated.event]), ...githubEffects([statusCommentEffect(updated.current, c.var.root.settings.consoleUrl)])];
      c.executionCtx.waitUntil(c.var.root.effects.run(effects, c.var.log));
    }
    c.var.log.info('pull request for run', { runId: row.id, number: pr.number, created });
    return c.json({ number: pr.number, url: pr.html_url, created, head: pr.head.ref, base: pr.base.ref });
  })
  .get('/runner/v1/session', async (c) => {
    const row = await loadSpec(c);
    if (row instanceof Response) {
      return row;
    }
    if (row.issueNumber === null) {
      return c.json(errorBody('not_found', 'no stored session'), 404);
    }
    const stored = await findSession(c.var.db, { repositoryId: row.repositoryId, issueNumber: row.issueNumber, agentKey: row.agentKey });
    if (stored === null) {
      return c.json(errorBody('not_found', 'no stored session'), 404);
    }
    return c.json({ engine: stored.engine, session_id: stored.sessionId, archive: stored.archive, version: stored.version }, 200, noStore);
  })
  .put('/runner/v1/session', async (c) => {
    const body = await readJsonBody(c, sessionSchema, MAX_SESSION_BODY + 1024);
    if (!body.ok) {
      return body.response;
    }
    const row = await loadSpec(c);
    if (row instanceof Response) {
      return row;
    }
    if (row.issueNumber === null) {
      return c.json(errorBody('failed_precondition', 'a run without an issue keeps no session'), 409);
    }
    const key = { repositoryId: row.repositoryId, issueNumber: row.issueNumber, agentKey: row.agentKey };
    const b = body.value;
    const version = await putSession(c.var.db, key, { engine: b.engine, sessionId: b.session_id, archive: b.archive, runId: row.id, expectedVersion: b.expected_version }, new Date());
    if (version === null) {
      return c.json(errorBody('conflict', 'the session changed since it was read'), 409);
    }
    return c.json({ version });
  });
