/**
 * `GET /api/v1/staff/runs/{runId}/timeline`: what happened to a run, for the
 * console's run page (docs/domain.md §8.2): its audit events (created,
 * claimed, waits, decisions, finished) and the runner's event stream (phases,
 * the agent's messages and tool calls), the latter paged by `(attempt, seq)`.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { flowEventsOf, runEventsAfter } from '../db/timeline-repo.ts';
import { errors, json, uuidParam } from '../openapi/schemas.ts';
import { SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';
import { runFor } from './staff-guard.ts';

const FLOW_LIMIT = 500;

const timeline = createRoute({
  method: 'get',
  path: '/api/v1/staff/runs/{runId}/timeline',
  tags: ['runs'],
  summary: 'A run\'s audit events and the runner\'s event stream',
  security: SESSION_SECURITY,
  request: {
    params: z.object({ runId: uuidParam('runId') }),
    query: z.object({
      after: z
        .string()
        .regex(/^\d{1,6}:\d{1,9}$/, 'attempt:seq')
        .optional()
        .openapi({ description: '`next_after` of the previous page: runner events after this `attempt:seq`', example: '1:120' }),
      limit: z.coerce.number().int().min(1).max(1000).default(500),
    }),
  },
  responses: {
    200: json(
      z.object({
        run_id: z.string(),
        flow_events: z.array(z.object({ id: z.number().int(), at: z.string(), actor_type: z.string(), actor_id: z.string().nullable(), event_type: z.string(), payload: z.unknown() })),
        runner_events: z.array(z.object({ attempt_no: z.number().int(), seq: z.number().int(), at: z.string(), kind: z.string(), payload: z.unknown() })),
        next_after: z.string().nullable(),
      }),
      'The timeline; follow `next_after` for more runner events',
    ),
    ...errors(400, 401, 404),
  },
});

export const staffRunTimeline = staffRoutes().openapi(timeline, async (c) => {
  const { runId } = c.req.valid('param');
  const q = c.req.valid('query');
  const found = await runFor(c, runId, 'read');
  if (!found.ok) {
    return found.response as never;
  }
  const { run } = found;
  const [attempt = 0, seq = -1] = q.after === undefined ? [0, -1] : q.after.split(':').map(Number);
  const [flows, events] = await Promise.all([flowEventsOf(c.var.db, run.correlationId, FLOW_LIMIT), runEventsAfter(c.var.db, runId, { attemptNo: attempt, seq }, q.limit)]);
  const last = events.at(-1);
  return c.json(
    {
      run_id: runId,
      flow_events: flows.map((f) => ({ id: f.id, at: f.createdAt.toISOString(), actor_type: f.actorType, actor_id: f.actorId, event_type: f.eventType, payload: f.payload })),
      runner_events: events.map((e) => ({ attempt_no: e.attemptNo, seq: e.seq, at: e.createdAt.toISOString(), kind: e.kind, payload: e.payload })),
      next_after: events.length === q.limit && last !== undefined ? `${last.attemptNo}:${last.seq}` : null,
    },
    200,
  );
});
