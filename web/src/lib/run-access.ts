/**
 * Whether the signed-in person may cancel a run, by the same rule the edge
 * applies (`operate` in policy/src/staff-access.ts: `read_write`, `admin` or
 * a platform admin; docs/domain.md §8.1). The console shows the control
 * disabled with the reason; the edge refuses anyway.
 */
import { projectAccess, type StaffAccess } from '@stageline/policy';
import { isTerminalStatus, type Run } from './run.ts';
import type { Me } from './staff-me.ts';

export function toStaffAccess(me: Me): StaffAccess {
  const roles = new Map(me.projects.flatMap((project) => (project.role === null ? [] : [[project.id, project.role] as const])));
  return { login: me.login, platformAdmin: me.platform_admin, roles };
}

/** Why Cancel is disabled for this run, or null when it is allowed. */
export function cancelRefusal(me: Me, run: Pick<Run, 'project_id' | 'status'>): string | null {
  if (isTerminalStatus(run.status)) {
    return `The run has finished (${run.status}).`;
  }
  if (projectAccess(toStaffAccess(me), run.project_id, 'operate') === 'allow') {
    return null;
  }
  const role = me.projects.find((project) => project.id === run.project_id)?.role;
  return role === 'read' ? 'Your role in this project (read) may not cancel runs.' : 'You have no role in this run’s project.';
}

/** Why this person may not retry this run, or null when they may (docs/domain.md §3.10a). */
export function retryRefusal(me: Me, run: Pick<Run, 'project_id' | 'status'>): string | null {
  if (!isTerminalStatus(run.status)) {
    return `The run is still ${run.status}; cancel it first to start it again.`;
  }
  if (projectAccess(toStaffAccess(me), run.project_id, 'operate') === 'allow') {
    return null;
  }
  const role = me.projects.find((project) => project.id === run.project_id)?.role;
  return role === 'read' ? 'Your role in this project (read) may not retry runs.' : 'You have no role in this run’s project.';
}
