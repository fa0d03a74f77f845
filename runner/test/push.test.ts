import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GitCredentials } from '../src/git/credentials.ts';
import { PushRefused, pushRunBranch } from '../src/git/push.ts';

/** A bare remote and a clone with one commit; credentials are not needed for a local path. */
function repos() {
  const dir = mkdtempSync(path.join(tmpdir(), 'push-test-'));
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t', GIT_CONFIG_NOSYSTEM: '1', HOME: dir };
  const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });
  git(dir, 'init', '--quiet', '--bare', 'remote.git');
  git(dir, 'init', '--quiet', '-b', 'main', 'work');
  const work = path.join(dir, 'work');
  git(work, 'commit', '--quiet', '--allow-empty', '-m', 'first');
  git(work, 'remote', 'add', 'origin', path.join(dir, 'remote.git'));
  const creds: GitCredentials = { env: { home: dir, author: { name: 't', email: 't@t' } }, withCredentials: (_url, op) => op(), close: async () => undefined };
  return { work, remote: path.join(dir, 'remote.git'), creds, heads: () => git(path.join(dir, 'remote.git'), 'for-each-ref', '--format=%(refname)').trim().split('\n').filter(Boolean) };
}

describe('pushRunBranch', () => {
  it('pushes HEAD to the run branch only', async () => {
    const r = repos();
    await pushRunBranch(r.creds, { cwd: r.work, remoteUrl: 'http://git.test/a.git', runBranch: 'codex/issue-7', ref: 'refs/heads/codex/issue-7' });
    expect(r.heads()).toEqual(['refs/heads/codex/issue-7']);
  });

  it.each([
    ['the base branch', 'codex/issue-7', 'refs/heads/main'],
    ['a tag', 'codex/issue-7', 'refs/tags/codex/issue-7'],
    ['a flag as the branch', '--force', '--force'],
    ['a refspec in the branch name', 'a:refs/heads/main', 'a:refs/heads/main'],
    ['a path that climbs', 'codex/../main', 'codex/../main'],
  ])('refuses %s before git runs', async (_name, runBranch, ref) => {
    const r = repos();
    await expect(pushRunBranch(r.creds, { cwd: r.work, remoteUrl: 'http://git.test/a.git', runBranch, ref })).rejects.toBeInstanceOf(PushRefused);
    expect(r.heads()).toEqual([]);
  });
});
