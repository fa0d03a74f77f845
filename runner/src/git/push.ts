/**
 * The only way the runner pushes: the run's branch, by name, from HEAD, with
 * no flags from anyone else. A ref that is not the run's branch is refused
 * before git is started; git is then given exactly `HEAD:refs/heads/<branch>`.
 */
import { isRunBranchRef } from '@stageline/policy';
import type { GitCredentials } from './credentials.ts';
import { git } from './git.ts';

export class PushRefused extends Error {}

/** Git's own ref rules, as far as a branch name goes (git check-ref-format). */
const SAFE_BRANCH = /^(?!.*\.\.)(?!.*\/\/)(?!.*@\{)(?!\/)(?!.*\/$)(?!.*\.lock$)[A-Za-z0-9._/-]+$/;

export async function pushRunBranch(creds: GitCredentials, input: { cwd: string; remoteUrl: string; runBranch: string; ref: string }): Promise<void> {
  if (!isRunBranchRef(input.ref, input.runBranch) || !SAFE_BRANCH.test(input.runBranch) || input.runBranch.startsWith('-')) {
    throw new PushRefused(`push refused: only the run's branch ${input.runBranch} may be pushed, not ${input.ref}`);
  }
  await creds.withCredentials(input.remoteUrl, () => git(creds.env, input.cwd, ['push', '--porcelain', 'origin', `HEAD:refs/heads/${input.runBranch}`]));
}
