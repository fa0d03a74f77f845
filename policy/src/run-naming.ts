import { compactId, toDns1123Label } from './label-syntax.ts';

/** Default run namespace prefix (`STAGELINE_RUN_NAMESPACE_PREFIX`, docs/domain.md Appendix B). */
export const DEFAULT_NAMESPACE_PREFIX = 'stageline-issue';

export interface NamespaceNameInput {
  prefix?: string;
  projectId: string;
  issueNumber: number | null;
  runId: string;
}

/**
 * Namespace name of docs/domain.md §5.2: `<prefix>-<project 12>-i<issue>-r<run 12>`,
 * or `<prefix>-run-<run 12>` without an issue; DNS-label sanitised (≤ 63),
 * falling back to `stageline-run`.
 * @example runNamespaceName({ projectId: 'p-1', issueNumber: 7, runId: 'r-1' }) === 'stageline-issue-p1-i7-rr1'
 */
export function runNamespaceName(input: NamespaceNameInput): string {
  const prefix = input.prefix ?? DEFAULT_NAMESPACE_PREFIX;
  const run = compactId(input.runId, 12);
  const raw =
    input.issueNumber === null
      ? `${prefix}-run-${run}`
      : `${prefix}-${compactId(input.projectId, 12)}-i${input.issueNumber}-r${run}`;
  return toDns1123Label(raw, 'stageline-run');
}

/**
 * Deterministic Job name per attempt (docs/domain.md §5.2): creating it twice is
 * an AlreadyExists, which the agent treats as adoption.
 * @example runJobName('3f2a9b1c-0000-4000-8000-000000000001', 1) === 'stageline-run-3f2a9b1c000040008000-1'
 */
export function runJobName(runId: string, attemptNo: number): string {
  return toDns1123Label(`stageline-run-${compactId(runId, 20)}-${attemptNo}`, 'stageline-run');
}
