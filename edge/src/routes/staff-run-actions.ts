import { createRoute, z } from '@hono/zod-openapi';
import { isTerminalStatus } from '@stageline/policy';
import { webhookInboxOf } from '../composition/durable-objects.ts';
import { appendFlowEvent } from '../db/flow-event-repo.ts';
import { retrySource, runIdByCorrelation } from '../db/retry-repo.ts';
import { cancelRun } from '../db/run-repo.ts';
import { uuidV5 } from '../reconcile/synthetic-delivery.ts';
import { cancelFrames, githubEffects, realtimeEffects, telegramEffects } from '../domain/effects.ts';
import { statusCommentEffect } from '../domain/status-effects.ts';
import { errorBody } from '../lib/http-error.ts';
import { ErrorSchema, errors, json, uuidParam } from '../openapi/schemas.ts';
import { limitBody, SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';
import { runFor } from './staff-guard.ts';

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

const retry = createRoute({
  method: 'post',
  path: '/api/v1/staff/runs/{runId}/retry',
  tags: ['runs'],
  summary: 'Start the run again from the delivery that started it (read_write or admin)',
  description:
    'The stored delivery goes through ingest again, under a new delivery id derived from the run: the label policy decides anew (an active run of the thread, a sender who lost write access… refuse it, 409 with the reason). One retry per run; retry the new run to go again.',
  security: SESSION_SECURITY,
  request: { params: z.object({ runId: uuidParam('runId') }) },
  responses: {
    201: json(z.object({ run_id: z.string(), retry_of: z.string() }), 'The new run'),
    202: json(z.object({ status: z.literal('queued'), correlation_id: z.string() }), 'Postgres was unreachable: the delivery waits in its repository\'s inbox'),
    409: json(ErrorSchema.extend({ run_id: z.string().nullable().optional(), reason: z.string().optional() }), 'Still active, already retried (`run_id` is the retry), or the policy refused (`reason`)'),
    ...errors(400, 401, 403, 404, 412, 500, 503),
  },
});

/** UUIDv5 namespace of retry delivery ids (RFC 4122's URL namespace, as the reconciler's). */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

/**
 * Staff actions on one run. Cancel (docs/domain.md §3.10): commit `canceled`
 * first, then tell the cluster's agents to delete the Job; `job_stop_requested`
 * stays "requested" until the agent confirms (a later realtime event).
 * Needs `read_write` or `admin` on the run's project. The body is optional,
 * so it is read here rather than by the validator.
 */
export const staffRunActions = staffRoutes()
  .openapi(cancel, async (c) => {
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
  const found = await runFor(c, runId, 'operate');
  if (!found.ok) {
    return found.response as never;
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
      ...telegramEffects(result.telegramCalls),
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
})
  .openapi(retry, async (c) => {
    const { runId } = c.req.valid('param');
    const found = await runFor(c, runId, 'operate');
    if (!found.ok) {
      return found.response as never;
    }
    const { run } = found;
    if (!isTerminalStatus(run.status)) {
      return c.json(errorBody('conflict', `the run is still ${run.status}; cancel it first`), 409);
    }
    const source = await retrySource(c.var.db, runId);
    if (source === null || source.payloadText === null) {
      return c.json(errorBody('failed_precondition', 'the delivery that started this run was not kept'), 412);
    }
    // One retry per run: the same press twice, or two people at once, make one delivery.
    const deliveryId = `retry-${await uuidV5(URL_NAMESPACE, `retry|${runId}`)}`;
    const login = c.var.staff.login;
    await appendFlowEvent(c.var.db, { correlationId: run.correlationId, actorType: 'human', actorId: login, eventType: 'run.retry_requested', payload: { run_id: runId, retry_delivery_id: deliveryId } });
    const outcome = await webhookInboxOf(c.env, source.repositoryExternalId).ingest({ deliveryId, event: source.event, payloadText: source.payloadText, receivedAt: new Date() });
    c.var.log.info('run retry', { runId, by: login, outcome: outcome.kind });
    switch (outcome.kind) {
      case 'accepted':
        return c.json({ run_id: outcome.runId, retry_of: runId }, 201);
      case 'duplicate':
        return c.json({ ...errorBody('conflict', 'this run was retried already; retry the new run to go again'), run_id: await runIdByCorrelation(c.var.db, deliveryId) }, 409);
      case 'ignored':
        return c.json({ ...errorBody('conflict', `the label policy did not start a run: ${outcome.reason}`), reason: outcome.reason }, 409);
      case 'runs_canceled':
        return c.json({ ...errorBody('conflict', 'the delivery cancels runs rather than starting one'), reason: outcome.action }, 409);
      case 'queued':
        return c.json({ status: 'queued' as const, correlation_id: deliveryId }, 202);
      case 'inbox_full':
        return c.json(errorBody('unavailable', 'the database is unreachable and the repository\'s queue is full; try later'), 503);
      case 'failed':
        c.var.log.error('run retry failed', { runId, reason: outcome.reason });
        return c.json(errorBody('internal', 'the retry could not be applied; try again'), 500);
    }
  });
