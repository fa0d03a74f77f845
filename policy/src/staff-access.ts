/**
 * Who may see and do what in the console and the staff API
 * (docs/domain.md §8.1). Pure: the edge loads the caller's roles once per
 * request and asks here for every read and action.
 *
 * A project the caller has no role in does not exist for them: reads and
 * actions on it answer `hidden` (404), so ids cannot be probed. A member
 * without the needed right gets `forbidden` (403): they can see the thing,
 * so saying why is no leak.
 */
import type { ProjectRole } from './actor-guard.ts';

/** What a staff call needs on a project. */
export type StaffRight =
  /** See runs, logs, requests, the project's settings. */
  | 'read'
  /** Cancel or retry a run; decide `delegated` requests. (A question is answered only by its recipient, whatever their role.) */
  | 'operate'
  /** Change the project: repositories, labels, TTLs, slots, members, approvers. */
  | 'administer';

export interface StaffAccess {
  login: string;
  platformAdmin: boolean;
  /** Project id → role. */
  roles: ReadonlyMap<string, ProjectRole>;
}

export type AccessVerdict = 'allow' | 'forbidden' | 'hidden';

const RANK: Record<ProjectRole, number> = { read: 0, read_write: 1, admin: 2 };
const NEEDS: Record<StaffRight, number> = { read: 0, operate: 1, administer: 2 };

/** The caller's verdict for `right` on one project. Platform admins may do everything everywhere. */
export function projectAccess(access: StaffAccess, projectId: string, right: StaffRight): AccessVerdict {
  if (access.platformAdmin) {
    return 'allow';
  }
  const role = access.roles.get(projectId);
  if (role === undefined) {
    return 'hidden';
  }
  return RANK[role] >= NEEDS[right] ? 'allow' : 'forbidden';
}

/** Cross-project things (clusters, their tokens): platform admins only; others may know they exist. */
export function platformAccess(access: StaffAccess): AccessVerdict {
  return access.platformAdmin ? 'allow' : 'forbidden';
}

/** The projects whose rows the caller may list; `all` spares a platform admin's query the filter. */
export function readableProjects(access: StaffAccess): { kind: 'all' } | { kind: 'some'; ids: string[] } {
  return access.platformAdmin ? { kind: 'all' } : { kind: 'some', ids: [...access.roles.keys()] };
}

/** The approval matrix's decider role (approval-matrix.ts `mayDecide`) of a staff caller on a project. */
export function deciderRoleOf(access: StaffAccess, projectId: string): 'platform_admin' | ProjectRole | null {
  return access.platformAdmin ? 'platform_admin' : (access.roles.get(projectId) ?? null);
}

/** Logins compare case-insensitively on GitHub; we store them lower-case. */
export function normalizeLogin(login: string): string {
  return login.toLowerCase();
}

/**
 * Where the console may send the browser after sign-in: a path on our own
 * origin only. Anything else (an absolute URL, `//host`, a backslash trick)
 * becomes `/`, so the sign-in link cannot be turned into an open redirect.
 */
export function safeReturnPath(raw: string | null | undefined): string {
  if (raw === null || raw === undefined || raw.length > 512) {
    return '/';
  }
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\') || [...raw].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
    return '/';
  }
  return raw;
}
