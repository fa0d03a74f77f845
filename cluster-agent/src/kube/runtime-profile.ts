import { DEFAULT_LABEL_CATALOG, findTriggerByKind, type AccessProfile, type RuntimeMode } from '@stageline/policy';
import type { ClaimedRun } from '@stageline/protocol';

/**
 * Runtime access of a run (docs/domain.md §2.9, §5.1, §5.3). The edge's policy
 * decides it at ingest with the project's label catalog and sends it as the
 * claim's `launch` (policy/src/run-payload.ts `runLaunchOf`); the agent obeys
 * that decision instead of recomputing it, so a PR-sourced revise of a
 * production stage stays a candidate run and `repair` reaches the Job.
 */
export interface RunAccess {
  accessProfile: AccessProfile;
  runtimeMode: RuntimeMode;
}

/** The RBAC profile of the run namespace: which ServiceAccount, Role and RoleBinding it gets. */
export type RuntimeProfile = 'candidate' | 'production-readonly';

/**
 * The launch decision the claim carries. Only a claim without one (an edge
 * before protocol 1.3) falls back to the stage's placement; trigger kinds are
 * the same in every project's catalog (only label names differ), so the
 * default catalog answers that for any project.
 * @example runAccessOf({ ...run, launch: { ...launch, accessProfile: 'repair' } }).accessProfile === 'repair'
 */
export function runAccessOf(run: Pick<ClaimedRun, 'launch' | 'triggerKind'>): RunAccess {
  if (run.launch !== null) {
    return { accessProfile: run.launch.accessProfile, runtimeMode: run.launch.runtimeMode };
  }
  const placement = findTriggerByKind(DEFAULT_LABEL_CATALOG, run.triggerKind)?.placement;
  return { accessProfile: placement === 'production' ? 'production-readonly' : placement === 'repair' ? 'repair' : 'candidate', runtimeMode: 'full-env' };
}

/**
 * A repair run works in production (§2.9) and its own narrowly scoped role is
 * not built yet (§5.6): until it is, it gets the read-only role, never the
 * candidate's write access.
 */
export function rbacProfileOf(access: AccessProfile): RuntimeProfile {
  return access === 'candidate' ? 'candidate' : 'production-readonly';
}

/** ServiceAccount, Role and RoleBinding name of a profile (fixed: the chart may bind only these). */
export function serviceAccountOf(profile: RuntimeProfile): string {
  return profile === 'candidate' ? 'stageline-runner' : 'stageline-runner-readonly';
}
