import { DEFAULT_LABEL_CATALOG, findTriggerByKind } from '@stageline/policy';

/**
 * Runtime access profiles of domain.md §5.1/§5.3: stages the shared label
 * catalog places in production (`postdeploy`, `ops` and their `_revise`) run
 * read-only; every other stage is a candidate run with the full namespaced
 * `stageline-runner` role (still no secrets). The agent derives this from the
 * policy itself rather than trusting the claim ("both sides evaluate").
 */
export type RuntimeProfile = 'candidate' | 'production-readonly';

/** @example runtimeProfileOf('ops_revise') === 'production-readonly' */
export function runtimeProfileOf(triggerKind: string): RuntimeProfile {
  return findTriggerByKind(DEFAULT_LABEL_CATALOG, triggerKind)?.placement === 'production' ? 'production-readonly' : 'candidate';
}

/** ServiceAccount, Role and RoleBinding name of a profile (fixed: the chart may bind only these). */
export function serviceAccountOf(profile: RuntimeProfile): string {
  return profile === 'candidate' ? 'stageline-runner' : 'stageline-runner-readonly';
}
