/**
 * The one check every staff route makes on the project a thing belongs to
 * (policy/src/staff-access.ts): null to go on, else the answer to give. Not a
 * member → 404 with the same body as a missing thing, so ids cannot be probed.
 */
import { projectAccess, type StaffRight } from '@stageline/policy';
import type { Context } from 'hono';
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
