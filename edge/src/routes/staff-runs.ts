/** Staff run reads (docs/domain.md §8.2): first paint, filters, paging, logs. */
import { createRoute, z } from '@hono/zod-openapi';
import { isRunStatus, readableProjects, type RunStatus } from '@stageline/policy';
import { latestEventId } from '../db/realtime-repo.ts';
import { toRunDto } from '../db/run-dto.ts';
import { pageRuns, readLogPage, readLogTail } from '../db/run-repo.ts';
import { errorBody } from '../lib/http-error.ts';
import { decodeCursor, encodeCursor } from '../lib/page-cursor.ts';
import { errors, json, RunSchema, uuidParam } from '../openapi/schemas.ts';
import { SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';
import { runFor } from './staff-guard.ts';

const csv = (example: string) => z.string().max(2000).regex(/^[^,]+(,[^,]+)*$/, 'a comma-separated list').optional().openapi({ example });
const datetime = z.iso.datetime({ offset: true }).optional();

const listRuns = createRoute({
  method: 'get',
  path: '/api/v1/staff/runs',
  tags: ['runs'],
  summary: 'Runs of the caller\'s projects, newest first',
  security: SESSION_SECURITY,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z.string().max(200).optional().openapi({ description: '`next_cursor` of the previous page' }),
      status: csv('running,waiting_mcp'),
      label: csv('run:dev'),
      repository: z.string().max(200).optional().openapi({ example: 'octo-org/app' }),
      agent: z.string().max(100).optional(),
      wait_reason: z.string().max(100).optional(),
      cluster: z.string().max(100).optional(),
      project: z.uuid().optional(),
      created_from: datetime,
      created_to: datetime,
    }),
  },
  responses: {
    200: json(z.object({ items: z.array(RunSchema), next_cursor: z.string().nullable(), last_event_id: z.number().int() }), 'A page of runs, and the realtime cursor the page reflects'),
    ...errors(400, 401, 403),
  },
});

const getRun = createRoute({
  method: 'get',
  path: '/api/v1/staff/runs/{runId}',
  tags: ['runs'],
  summary: 'One run',
  security: SESSION_SECURITY,
  request: { params: z.object({ runId: uuidParam('runId') }) },
  responses: { 200: json(RunSchema, 'The run'), ...errors(400, 401, 404) },
});

const runLogs = createRoute({
  method: 'get',
  path: '/api/v1/staff/runs/{runId}/logs',
  tags: ['runs'],
  summary: 'The last lines of a run\'s log',
  security: SESSION_SECURITY,
  request: { params: z.object({ runId: uuidParam('runId') }), query: z.object({ tail_lines: z.coerce.number().int().min(1).max(2000).default(200) }) },
  responses: { 200: json(z.object({ run_id: z.string(), status: z.string(), tail_lines: z.array(z.string()) }), 'Log tail'), ...errors(400, 401, 404) },
});

const runLogHistory = createRoute({
  method: 'get',
  path: '/api/v1/staff/runs/{runId}/logs/history',
  tags: ['runs'],
  summary: 'The stored log, oldest first, page by page',
  security: SESSION_SECURITY,
  request: {
    params: z.object({ runId: uuidParam('runId') }),
    query: z.object({ after_seq: z.coerce.number().int().min(0).max(1_000_000_000).optional(), limit_chunks: z.coerce.number().int().min(1).max(500).default(50) }),
  },
  responses: { 200: json(z.object({ run_id: z.string(), lines: z.array(z.string()), next_after_seq: z.number().int().nullable(), done: z.boolean() }), 'A page of log lines; pass `next_after_seq` back as `after_seq`'), ...errors(400, 401, 404) },
});

export const staffRuns = staffRoutes()
  .openapi(listRuns, async (c) => {
    const q = c.req.valid('query');
    const statuses = q.status?.split(',');
    if (statuses !== undefined && !statuses.every(isRunStatus)) {
      return c.json(errorBody('invalid_argument', 'status: unknown run status', 'status'), 400);
    }
    const cursor = q.cursor === undefined ? null : decodeCursor(q.cursor);
    if (q.cursor !== undefined && cursor === null) {
      return c.json(errorBody('invalid_argument', 'cursor: not a cursor this API gave', 'cursor'), 400);
    }
    const scope = readableProjects(c.var.staff);
    // Cursor first: any change after it has a larger id and reaches the client live.
    const lastEventId = await latestEventId(c.var.db);
    const page = await pageRuns(
      c.var.db,
      {
        projectIds: scope.kind === 'all' ? null : scope.ids,
        projectId: q.project,
        statuses: statuses as RunStatus[] | undefined,
        labels: q.label?.split(','),
        repository: q.repository,
        agentKey: q.agent,
        waitReason: q.wait_reason,
        clusterId: q.cluster,
        createdFrom: q.created_from === undefined ? undefined : new Date(q.created_from),
        createdTo: q.created_to === undefined ? undefined : new Date(q.created_to),
      },
      cursor,
      q.limit,
    );
    return c.json({ items: page.rows.map(toRunDto), next_cursor: page.next === null ? null : encodeCursor(page.next), last_event_id: lastEventId }, 200);
  })
  .openapi(getRun, async (c) => {
    const found = await runFor(c, c.req.valid('param').runId, 'read');
    return found.ok ? c.json(toRunDto(found.run), 200) : (found.response as never);
  })
  .openapi(runLogs, async (c) => {
    const { runId } = c.req.valid('param');
    const found = await runFor(c, runId, 'read');
    if (!found.ok) {
      return found.response as never;
    }
    const { run } = found;
    const lines = await readLogTail(c.var.db, runId, c.req.valid('query').tail_lines);
    return c.json({ run_id: runId, status: run.status, tail_lines: lines }, 200);
  })
  .openapi(runLogHistory, async (c) => {
    const { runId } = c.req.valid('param');
    const q = c.req.valid('query');
    const found = await runFor(c, runId, 'read');
    if (!found.ok) {
      return found.response as never;
    }
    const chunks = await readLogPage(c.var.db, runId, q.after_seq ?? -1, q.limit_chunks);
    const last = chunks.at(-1);
    return c.json({ run_id: runId, lines: chunks.flatMap((ch) => ch.lines), next_after_seq: last === undefined ? null : last.seq, done: chunks.length < q.limit_chunks }, 200);
  });
