/**
 * `GET /api/v1/staff/errors`: what went wrong in the caller's projects, for
 * the console's errors screen (docs/domain.md §8.2): deliveries the edge
 * refused, with their reason, and runs that failed or timed out, with the
 * runner's reason. Held work that lives in Durable Objects (parked
 * deliveries, dead GitHub writes) is listed, replayed and dropped by
 * routes/staff-held.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { readableProjects } from '@stageline/policy';
import { failedRuns, refusedDeliveries } from '../db/errors-repo.ts';
import { toRunDto } from '../db/run-dto.ts';
import { errors, json, RunSchema } from '../openapi/schemas.ts';
import { SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';

const list = createRoute({
  method: 'get',
  path: '/api/v1/staff/errors',
  tags: ['operations'],
  summary: 'Refused deliveries and failed runs of the caller\'s projects',
  security: SESSION_SECURITY,
  request: { query: z.object({ reason: z.string().max(100).optional().openapi({ example: 'sender_type_bot_not_permitted' }), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
  responses: {
    200: json(
      z.object({
        refused_deliveries: z.array(z.object({ delivery_id: z.string(), event: z.string(), action: z.string().nullable(), reason: z.string().nullable(), repository_full_name: z.string().nullable(), received_at: z.string() })),
        failed_runs: z.array(RunSchema),
      }),
      'Newest first',
    ),
    ...errors(400, 401),
  },
});

export const staffErrors = staffRoutes().openapi(list, async (c) => {
  const q = c.req.valid('query');
  const scope = readableProjects(c.var.staff);
  const ids = scope.kind === 'all' ? null : scope.ids;
  const [refused, failed] = await Promise.all([refusedDeliveries(c.var.db, ids, q.reason, q.limit), failedRuns(c.var.db, ids, q.limit)]);
  return c.json(
    {
      refused_deliveries: refused.map((d) => ({ delivery_id: d.deliveryId, event: d.event, action: d.action, reason: d.reason, repository_full_name: d.repositoryFullName, received_at: d.receivedAt.toISOString() })),
      failed_runs: failed.map(toRunDto),
    },
    200,
  );
});
