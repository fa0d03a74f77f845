/**
 * The real git client against the fake, as a CI job or an agent would use it:
 * a clean environment (no user config, no credential prompts), asynchronous so
 * the fake in this same process keeps serving while git waits for it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitClient {
  dir: string;
  /** Resolves with stdout and stderr; rejects with an error whose message holds git's stderr. */
  git(args: string[], cwd?: string): Promise<{ stdout: string; stderr: string }>;
  /** `http://x-access-token:<token>@host/owner/name.git` */
  remote(baseUrl: string, repo: string, token: string, opts?: { suffix?: string; user?: string }): string;
  remove(): Promise<void>;
}

export async function createGitClient(): Promise<GitClient> {
  const dir = await mkdtemp(join(tmpdir(), 'github-fake-client-'));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Agent Smith',
    GIT_AUTHOR_EMAIL: 'agent@example.com',
    GIT_COMMITTER_NAME: 'Agent Smith',
    GIT_COMMITTER_EMAIL: 'agent@example.com',
  };
  return {
    dir,
    git: (args, cwd) =>
      new Promise((resolve, reject) => {
        execFile('git', args, { cwd: cwd ?? dir, env }, (err, stdout, stderr) => {
          if (err) {
            reject(new Error(`git ${args.join(' ')} failed: ${stderr}`));
            return;
          }
          resolve({ stdout, stderr });
        });
      }),
    remote: (baseUrl, repo, token, opts = {}) => {
      const url = new URL(baseUrl);
      return `http://${opts.user ?? 'x-access-token'}:${token}@${url.host}/${repo}${opts.suffix ?? '.git'}`;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
