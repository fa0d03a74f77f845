/**
 * Runtime access profiles of domain.md §5.1/§5.3: `postdeploy` and `ops`
 * (and their `_revise`) run read-only; every other stage is a candidate run
 * with the full namespaced `stageline-runner` role (still no secrets).
 */
export type RuntimeProfile = 'candidate' | 'production-readonly';

const READONLY_KINDS: ReadonlySet<string> = new Set(['postdeploy', 'postdeploy_revise', 'ops', 'ops_revise']);

/** @example runtimeProfileOf('ops_revise') === 'production-readonly' */
export function runtimeProfileOf(triggerKind: string): RuntimeProfile {
  return READONLY_KINDS.has(triggerKind) ? 'production-readonly' : 'candidate';
}

/** ServiceAccount, Role and RoleBinding name of a profile (fixed: the chart may bind only these). */
export function serviceAccountOf(profile: RuntimeProfile): string {
  return profile === 'candidate' ? 'stageline-runner' : 'stageline-runner-readonly';
}
