import { Hono } from 'hono';
import { cancelRun, findRun } from '../db/run-repo.ts';
import { cancelFrames, githubEffects, realtimeEffects } from '../domain/effects.ts';
import { statusCommentEffect } from '../domain/status-effects.ts';
import type { AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';
import { refuseUnless } from './staff-guard.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_BODY = 4096;

/**
 * Staff actions on one run. Cancel (docs/domain.md §3.10): commit `canceled`
 * first, then tell the cluster's agents to delete the Job; `job_stop_requested`
 * stays "requested" until the agent confirms (a later realtime event).
 * Needs `read_write` or `admin` on the run's project.
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
  const run = await findRun(c.var.db, runId);
  if (run === null) {
    return c.json(errorBody('not_found', 'run not found'), 404);
  }
  const refused = refuseUnless(c, run.projectId, 'operate', 'run');
  if (refused !== null) {
    return refused;
  }
  const { effects, settings } = c.var.root;
  const result = await cancelRun(c.var.db, { runId, reason, actorId: c.var.staff.login, now: new Date() });
  if (result.kind === 'not_found') {
    return c.json(errorBody('not_found', 'run not found'), 404);
  }
  const { previous, current, changed } = result;
  const stopRequested = changed && previous.clusterId !== null && previous.status !== 'pending';
  if (changed) {
    const after = [
      ...realtimeEffects(result.events),
      ...githubEffects([statusCommentEffect(current, settings.consoleUrl)]),
      ...cancelFrames(previous.clusterId, [{ runId, previousStatus: previous.status, epoch: previous.leaseEpoch, jobName: previous.jobName, namespace: previous.jobNamespace }], reason),
    ];
    c.executionCtx.waitUntil(effects.run(after, c.var.log));
  }
  c.var.log.info('run cancel', { runId, by: c.var.staff.login, previous: previous.status, current: current.status, changed });
  return c.json({
    run_id: runId,
    action: 'cancel',
    previous_status: previous.status,
    current_status: current.status,
    already_terminal: !changed && current.status !== 'canceled',
    job_stop_requested: stopRequested,
  });
});
