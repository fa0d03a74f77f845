import { readableProjects } from '@stageline/policy';
import { Hono } from 'hono';
import { latestEventId } from '../db/realtime-repo.ts';
import { toRunDto } from '../db/run-dto.ts';
import { findRun, listRuns, readLogPage, readLogTail } from '../db/run-repo.ts';
import type { AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';
import { refuseUnless } from './staff-guard.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function intParam(raw: string | undefined, fallback: number, min: number, max: number): number | null {
  if (raw === undefined) {
    return fallback;
  }
  if (!/^\d{1,6}$/.test(raw)) {
    return null;
  }
  const n = Number(raw);
  return n >= min && n <= max ? n : null;
}

/** Staff run reads (docs/domain.md §8.2): first paint and fallback for the console. */
export const staffRuns = new Hono<AppEnv>()
  .get('/api/v1/staff/runs', async (c) => {
    const limit = intParam(c.req.query('limit'), 100, 1, 500);
    if (limit === null) {
      return c.json(errorBody('invalid_argument', 'limit must be 1..500', 'limit'), 400);
    }
    // Cursor first: any change after it has a larger id and reaches the client live.
    const cursor = await latestEventId(c.var.db);
    const scope = readableProjects(c.var.staff);
    const rows = await listRuns(c.var.db, limit, scope.kind === 'all' ? null : scope.ids);
    return c.json({ items: rows.map(toRunDto), last_event_id: cursor });
  })
  .get('/api/v1/staff/runs/:runId', async (c) => {
    const runId = c.req.param('runId');
    if (!UUID.test(runId)) {
      return c.json(errorBody('invalid_argument', 'run id must be a UUID', 'run_id'), 400);
    }
    const run = await findRun(c.var.db, runId);
    if (run === null) {
      return c.json(errorBody('not_found', 'run not found'), 404);
    }
    return refuseUnless(c, run.projectId, 'read', 'run') ?? c.json(toRunDto(run));
  })
  .get('/api/v1/staff/runs/:runId/logs', async (c) => {
    const runId = c.req.param('runId');
    const tail = intParam(c.req.query('tail_lines'), 200, 1, 2000);
    if (!UUID.test(runId) || tail === null) {
      return c.json(errorBody('invalid_argument', 'run id must be a UUID and tail_lines 1..2000'), 400);
    }
    const run = await findRun(c.var.db, runId);
    if (run === null) {
      return c.json(errorBody('not_found', 'run not found'), 404);
    }
    const refused = refuseUnless(c, run.projectId, 'read', 'run');
    if (refused !== null) {
      return refused;
    }
    const lines = await readLogTail(c.var.db, runId, tail);
    return c.json({ run_id: runId, status: run.status, tail_lines: lines });
  })
  .get('/api/v1/staff/runs/:runId/logs/history', async (c) => {
    // Pages through the stored log, oldest first: pass `next_after_seq` back as `after_seq`.
    const runId = c.req.param('runId');
    const after = c.req.query('after_seq') === undefined ? -1 : intParam(c.req.query('after_seq'), 0, 0, 1_000_000_000);
    const limit = intParam(c.req.query('limit_chunks'), 50, 1, 500);
    if (!UUID.test(runId) || after === null || limit === null) {
      return c.json(errorBody('invalid_argument', 'run id must be a UUID, after_seq >= 0, limit_chunks 1..500'), 400);
    }
    const run = await findRun(c.var.db, runId);
    if (run === null) {
      return c.json(errorBody('not_found', 'run not found'), 404);
    }
    const refused = refuseUnless(c, run.projectId, 'read', 'run');
    if (refused !== null) {
      return refused;
    }
    const chunks = await readLogPage(c.var.db, runId, after, limit);
    const last = chunks.at(-1);
    return c.json({
      run_id: runId,
      lines: chunks.flatMap((ch) => ch.lines),
      next_after_seq: last === undefined ? null : last.seq,
      done: chunks.length < limit,
    });
  });
