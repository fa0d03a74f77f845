/**
 * Version of the shared rules. The cluster-agent refuses an edge whose major
 * differs (docs/domain.md §3.5): both sides must evaluate the same policy.
 */
export const POLICY_VERSION = '1.1.0';

/** Major component of a semver-like `a.b.c` string; NaN when malformed. */
export function majorOf(version: string): number {
  const head = version.split('.')[0] ?? '';
  return /^\d+$/.test(head) ? Number(head) : Number.NaN;
}
