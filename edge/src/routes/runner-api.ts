import { Hono } from 'hono';
import { withRunToken, type RunnerEnv } from '../auth/run-token-middleware.ts';
import { findRunSpec } from '../db/run-token-repo.ts';
import { launchOf } from '../domain/claimed-run.ts';
import { errorBody } from '../lib/http-error.ts';

/**
 * What a run's Job asks the edge, authenticated by its run token
 * (auth/run-token-middleware.ts; `withDb` is mounted on `/runner/*` in app.ts).
 * `GET /runner/v1/run`: the calling run's spec, never the raw webhook payload.
 */
export const runnerApi = new Hono<RunnerEnv>().use('/runner/*', withRunToken()).get('/runner/v1/run', async (c) => {
  const { run } = c.var;
  const spec = await findRunSpec(c.var.db, run.id);
  if (spec === null) {
    // The middleware just read it; only a deletion in between gets here.
    return c.json(errorBody('not_found', 'run not found'), 404);
  }
  return c.json({
    run_id: spec.id,
    correlation_id: spec.correlationId,
    epoch: run.epoch,
    attempt_no: run.attemptNo,
    repository_full_name: spec.repositoryFullName,
    issue_number: spec.issueNumber,
    trigger_kind: spec.triggerKind,
    trigger_label: spec.triggerLabel,
    agent_key: spec.agentKey,
    launch: launchOf(spec.runPayload),
    tools: run.scope,
  });
});
