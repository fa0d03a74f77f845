/**
 * The branch a writing run pushes to (docs/domain.md §2.10): `<prefix><issue>`,
 * default prefix `codex/issue-`, configurable per project. Git's ref rules and
 * a 50-character cap are applied here, so the runner, the push wrapper and the
 * edge's pull-request call all name the same branch.
 */
export const DEFAULT_BRANCH_PREFIX = 'codex/issue-';
export const MAX_BRANCH_CHARS = 50;

function sanitizePrefix(prefix: string): string {
  const cleaned = prefix
    .replace(/[^A-Za-z0-9._/-]+/g, '-')
    .replace(/\/{2,}/g, '/')
    .replace(/\.{2,}/g, '.')
    .replace(/^[/.-]+/, '')
    .split('/')
    .map((part) => part.replace(/^\.+/, '').replace(/\.lock$/, '-lock'))
    .join('/');
  return cleaned === '' ? DEFAULT_BRANCH_PREFIX : cleaned;
}

/**
 * @example runBranchName(7) === 'codex/issue-7'
 * @example runBranchName(7, 'ai bot/..x-') === 'ai-bot/.x-7'
 */
export function runBranchName(issueNumber: number, prefix: string = DEFAULT_BRANCH_PREFIX): string {
  const suffix = String(issueNumber);
  const head = sanitizePrefix(prefix).slice(0, MAX_BRANCH_CHARS - suffix.length);
  // A cut may leave a trailing '.' or '/' before the number: git refuses 'a/.7' and 'a./7' patterns less often than a lock suffix, but keep it clean.
  return `${head.replace(/\.+$/, '')}${suffix}`;
}

/** Whether a ref name is the run's own branch (`refs/heads/<branch>` or the bare name). */
export function isRunBranchRef(ref: string, branch: string): boolean {
  return ref === branch || ref === `refs/heads/${branch}`;
}
