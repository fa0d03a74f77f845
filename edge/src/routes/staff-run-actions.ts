import { createRoute, z } from '@hono/zod-openapi';
import { cancelRun, findRun } from '../db/run-repo.ts';
import { cancelFrames, githubEffects, realtimeEffects } from '../domain/effects.ts';
import { statusCommentEffect } from '../domain/status-effects.ts';
import { errorBody } from '../lib/http-error.ts';
import { errors, json, uuidParam } from '../openapi/schemas.ts';
import { limitBody, SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';
import { refuseUnless } from './staff-guard.ts';

const MAX_BODY = 4096;
const CancelBody = z.object({ reason: z.string().max(500).optional() });

const cancel = createRoute({
  method: 'post',
  path: '/api/v1/staff/runs/{runId}/cancel',
  tags: ['runs'],
  summary: 'Cancel a run (read_write or admin)',
  security: SESSION_SECURITY,
  middleware: [limitBody(MAX_BODY)] as const,
  description: 'Optional JSON body `{"reason": string ≤ 500}`, read whatever its content type (an empty body is fine).',
  request: { params: z.object({ runId: uuidParam('runId') }) },
  responses: {
    200: json(
      z.object({ run_id: z.string(), action: z.literal('cancel'), previous_status: z.string(), current_status: z.string(), already_terminal: z.boolean(), job_stop_requested: z.boolean() }),
      'What the cancel did; `job_stop_requested` only says the stop was sent',
    ),
    ...errors(400, 401, 403, 404, 413),
  },
});

/**
 * Staff actions on one run. Cancel (docs/domain.md §3.10): commit `canceled`
 * first, then tell the cluster's agents to delete the Job; `job_stop_requested`
 * stays "requested" until the agent confirms (a later realtime event).
 * Needs `read_write` or `admin` on the run's project. The body is optional,
 * so it is read here rather than by the validator.
 */
export const staffRunActions = staffRoutes().openapi(cancel, async (c) => {
  const { runId } = c.req.valid('param');
  const text = await c.req.text();
  let reason = 'canceled by staff';
  if (text.trim() !== '') {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return c.json(errorBody('invalid_argument', 'body is not valid JSON'), 400);
    }
    const body = CancelBody.safeParse(raw);
    if (!body.success) {
      return c.json(errorBody('invalid_argument', 'reason must be a string of at most 500 characters', 'reason'), 400);
    }
    reason = body.data.reason ?? reason;
  }
  const run = await findRun(c.var.db, runId);
  if (run === null) {
    return c.json(errorBody('not_found', 'run not found'), 404);
  }
  const refused = refuseUnless(c, run.projectId, 'operate', 'run');
  if (refused !== null) {
    return refused as never;
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
  return c.json(
    {
      run_id: runId,
      action: 'cancel' as const,
      previous_status: previous.status,
      current_status: current.status,
      already_terminal: !changed && current.status !== 'canceled',
      job_stop_requested: stopRequested,
    },
    200,
  );
});
