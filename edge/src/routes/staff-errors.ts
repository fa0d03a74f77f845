/**
 * What went wrong in the caller's projects, for the console's errors screen
 * (docs/domain.md §8.2): deliveries the edge refused, with their reason, and
 * runs that failed or timed out, with the runner's reason.
 *
 * - `GET /api/v1/staff/errors` — the first page of both, for the screen's first paint;
 * - `GET /api/v1/staff/errors/refused-deliveries`, `GET /api/v1/staff/errors/failed-runs` — one list, page by page.
 *
 * Held work that lives in Durable Objects (parked deliveries, dead GitHub
 * writes) is listed, replayed and dropped by routes/staff-held.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { readableProjects } from '@stageline/policy';
import type { Context } from 'hono';
import { failedRuns, refusedDeliveries, type RefusedDelivery } from '../db/errors-repo.ts';
import { toRunDto } from '../db/run-dto.ts';
import type { AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';
import { decodeCursor, DELIVERY_KEY, encodeCursor, type PageCursor } from '../lib/page-cursor.ts';
import { errors, json, RunSchema } from '../openapi/schemas.ts';
import { SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';

const RefusedSchema = z.object({ delivery_id: z.string(), event: z.string(), action: z.string().nullable(), reason: z.string().nullable(), repository_full_name: z.string().nullable(), received_at: z.string() });
const reason = z.string().max(100).optional().openapi({ example: 'sender_type_bot_not_permitted' });
const limit = z.coerce.number().int().min(1).max(500).default(100);
const cursor = z.string().max(200).optional().openapi({ description: '`next_cursor` of the previous page' });

const list = createRoute({
  method: 'get',
  path: '/api/v1/staff/errors',
  tags: ['operations'],
  summary: 'Refused deliveries and failed runs of the caller\'s projects (the first page of each)',
  security: SESSION_SECURITY,
  request: { query: z.object({ reason, limit }) },
  responses: {
    200: json(
      z.object({ refused_deliveries: z.array(RefusedSchema), refused_next_cursor: z.string().nullable(), failed_runs: z.array(RunSchema), failed_next_cursor: z.string().nullable() }),
      'Newest first; pass a next cursor to the list\'s own route for more',
    ),
    ...errors(400, 401),
  },
});

const refusedPage = createRoute({
  method: 'get',
  path: '/api/v1/staff/errors/refused-deliveries',
  tags: ['operations'],
  summary: 'Refused deliveries, page by page',
  security: SESSION_SECURITY,
  request: { query: z.object({ reason, limit, cursor }) },
  responses: { 200: json(z.object({ items: z.array(RefusedSchema), next_cursor: z.string().nullable() }), 'Newest first'), ...errors(400, 401) },
});

const failedPage = createRoute({
  method: 'get',
  path: '/api/v1/staff/errors/failed-runs',
  tags: ['operations'],
  summary: 'Failed and timed-out runs, page by page',
  security: SESSION_SECURITY,
  request: { query: z.object({ limit, cursor }) },
  responses: { 200: json(z.object({ items: z.array(RunSchema), next_cursor: z.string().nullable() }), 'Newest first'), ...errors(400, 401) },
});

const toRefusedDto = (d: RefusedDelivery) => ({ delivery_id: d.deliveryId, event: d.event, action: d.action, reason: d.reason, repository_full_name: d.repositoryFullName, received_at: d.receivedAt.toISOString() });
const nextOf = (next: PageCursor | null): string | null => (next === null ? null : encodeCursor(next));
const scopeOf = (c: Context<AppEnv>): readonly string[] | null => {
  const scope = readableProjects(c.var.staff);
  return scope.kind === 'all' ? null : scope.ids;
};
const badCursor = (c: Context<AppEnv>) => c.json(errorBody('invalid_argument', 'cursor: not a cursor this API gave', 'cursor'), 400);

export const staffErrors = staffRoutes()
  .openapi(list, async (c) => {
    const q = c.req.valid('query');
    const ids = scopeOf(c);
    const [refused, failed] = await Promise.all([refusedDeliveries(c.var.db, ids, q.reason, null, q.limit), failedRuns(c.var.db, ids, null, q.limit)]);
    return c.json(
      { refused_deliveries: refused.rows.map(toRefusedDto), refused_next_cursor: nextOf(refused.next), failed_runs: failed.rows.map(toRunDto), failed_next_cursor: nextOf(failed.next) },
      200,
    );
  })
  .openapi(refusedPage, async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor === undefined ? null : decodeCursor(q.cursor, DELIVERY_KEY);
    if (q.cursor !== undefined && after === null) {
      return badCursor(c);
    }
    const page = await refusedDeliveries(c.var.db, scopeOf(c), q.reason, after, q.limit);
    return c.json({ items: page.rows.map(toRefusedDto), next_cursor: nextOf(page.next) }, 200);
  })
  .openapi(failedPage, async (c) => {
    const q = c.req.valid('query');
    const after = q.cursor === undefined ? null : decodeCursor(q.cursor);
    if (q.cursor !== undefined && after === null) {
      return badCursor(c);
    }
    const page = await failedRuns(c.var.db, scopeOf(c), after, q.limit);
    return c.json({ items: page.rows.map(toRunDto), next_cursor: nextOf(page.next) }, 200);
  });
