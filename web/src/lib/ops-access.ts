/**
 * Which operations controls the signed-in person may use (docs/domain.md
 * §8.1, §8.3). The edge refuses anyway; the console disables what a role does
 * not allow and says why.
 */
import type { Me } from './staff-me.ts';

export const PLATFORM_ADMIN_HINT = 'Only platform admins can do this.';

/** Platform admins, and admins of that project. */
export function canAdministerProject(me: Me, projectId: string): boolean {
  return me.platform_admin || me.projects.some((project) => project.id === projectId && project.role === 'admin');
}

/** Why the project's controls are disabled for `me`; `null` when they are not. */
export function projectAdminHint(me: Me, projectId: string): string | null {
  if (canAdministerProject(me, projectId)) {
    return null;
  }
  const role = me.projects.find((project) => project.id === projectId)?.role ?? null;
  const yours = role === null ? 'you have no role in it' : `your role is ${role}`;
  return `Only admins of this project can change it (${yours}).`;
}
