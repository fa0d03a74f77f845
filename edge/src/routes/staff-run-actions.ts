import { Hono } from 'hono';
import { createDb } from '../db/client.ts';
import { cancelRun } from '../db/run-repo.ts';
import { enqueueGitHub } from '../domain/enqueue-github.ts';
import { statusCommentEffect } from '../domain/status-effects.ts';
import { publishEvents } from '../domain/publish-events.ts';
import { readSettings, type AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_BODY = 4096;

/**
 * Staff actions on one run. Cancel (domain.md §3.10): commit `canceled`
 * first, then tell the cluster's agents to delete the Job; `job_stop_requested`
 * stays "requested" until the agent confirms (a later realtime event).
 */
export const staffRunActions = new Hono<AppEnv>().post('/api/v1/staff/runs/:runId/cancel', async (c) => {
  const runId = c.req.param('runId');
  if (!UUID.test(runId)) {
    return c.json(errorBody('invalid_argument', 'run id must be a UUID', 'run_id'), 400);
  }
  const text = await c.req.text();
  if (text.length > MAX_BODY) {
    return c.json(errorBody('payload_too_large', `body is limited to ${MAX_BODY} bytes`), 413);
  }
  let reason = 'canceled by staff';
  if (text.trim() !== '') {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return c.json(errorBody('invalid_argument', 'body is not valid JSON'), 400);
    }
    const given = typeof body === 'object' && body !== null && 'reason' in body ? body.reason : undefined;
    if (given !== undefined && (typeof given !== 'string' || given.length > 500)) {
      return c.json(errorBody('invalid_argument', 'reason must be a string of at most 500 characters', 'reason'), 400);
    }
    reason = given ?? reason;
  }
  const handle = createDb(c.env);
  try {
    const result = await cancelRun(handle.db, { runId, reason, actorId: 'staff', now: new Date() });
    if (result.kind === 'not_found') {
      return c.json(errorBody('not_found', 'run not found'), 404);
    }
    const { previous, current, changed } = result;
    const stopRequested = changed && previous.clusterId !== null && previous.status !== 'pending';
    if (changed) {
      c.executionCtx.waitUntil(publishEvents(c.env, result.events));
      const status = statusCommentEffect(current, readSettings(c.env).consoleUrl);
      if (status !== null) {
        c.executionCtx.waitUntil(enqueueGitHub(c.env, [status], c.var.log));
      }
    }
    if (stopRequested && previous.clusterId !== null) {
      const hub = c.env.AGENT_HUB.get(c.env.AGENT_HUB.idFromName(previous.clusterId));
      c.executionCtx.waitUntil(
        hub.cancel({ type: 'run.cancel', runId, epoch: previous.leaseEpoch, jobName: previous.jobName, namespace: previous.jobNamespace, reason }).then(() => undefined),
      );
    }
    c.var.log.info('run cancel', { runId, previous: previous.status, current: current.status, changed });
    return c.json({
      run_id: runId,
      action: 'cancel',
      previous_status: previous.status,
      current_status: current.status,
      already_terminal: !changed && current.status !== 'canceled',
      job_stop_requested: stopRequested,
    });
  } finally {
    c.executionCtx.waitUntil(handle.close());
  }
});
