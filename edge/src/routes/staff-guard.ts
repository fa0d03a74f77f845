/**
 * The one check every staff route makes on the project a thing belongs to
 * (policy/src/staff-access.ts): null to go on, else the answer to give. Not a
 * member → 404 with the same body as a missing thing, so ids cannot be probed.
 */
import { projectAccess, type StaffRight } from '@stageline/policy';
import type { Context } from 'hono';
import type { RunRow } from '../db/run-dto.ts';
import { findRun } from '../db/run-repo.ts';
import type { AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';

export function refuseUnless(c: Context<AppEnv>, projectId: string, right: StaffRight, what: string): Response | null {
  const verdict = projectAccess(c.var.staff, projectId, right);
  if (verdict === 'allow') {
    return null;
  }
  if (verdict === 'hidden') {
    return c.json(errorBody('not_found', `${what} not found`), 404);
  }
  return c.json(errorBody('forbidden', `your role in this project does not allow this (needs ${right === 'operate' ? 'read_write' : right === 'administer' ? 'admin' : 'read'})`), 403);
}

/** The run, if it exists and the caller has `right` on its project; else the 404 or 403 to answer. */
export async function runFor(c: Context<AppEnv>, runId: string, right: StaffRight): Promise<{ ok: true; run: RunRow } | { ok: false; response: Response }> {
  const run = await findRun(c.var.db, runId);
  if (run === null) {
    return { ok: false, response: c.json(errorBody('not_found', 'run not found'), 404) };
  }
  const refused = refuseUnless(c, run.projectId, right, 'run');
  return refused === null ? { ok: true, run } : { ok: false, response: refused };
}
