/**
 * git as a child process with a fixed environment: no terminal prompts, no
 * system config, the runner's scratch HOME, the bot identity. Output is
 * returned, never logged here (a remote's answer can echo a URL).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitEnv {
  home: string;
  author: { name: string; email: string };
  /** `credential.helper` value (the runner's credential cache); none for local commands. */
  credentialHelper?: string;
}

export class GitError extends Error {
  readonly args: readonly string[];
  constructor(args: readonly string[], stderr: string) {
    // Only git's last line: enough to say why, and a remote's answer stays out of the message.
    super(`git ${args[0] ?? ''} failed: ${stderr.trim().split('\n').at(-1) ?? ''}`);
    this.args = args;
  }
}

export function gitEnv(g: GitEnv): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: g.home,
    LANG: 'C.UTF-8',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: g.author.name,
    GIT_AUTHOR_EMAIL: g.author.email,
    GIT_COMMITTER_NAME: g.author.name,
    GIT_COMMITTER_EMAIL: g.author.email,
  };
}

export async function git(g: GitEnv, cwd: string, args: readonly string[]): Promise<string> {
  const helper = g.credentialHelper === undefined ? [] : ['-c', 'credential.helper=', '-c', `credential.helper=${g.credentialHelper}`];
  try {
    const { stdout } = await run('git', [...helper, ...args], { cwd, env: gitEnv(g), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = typeof error === 'object' && error !== null && 'stderr' in error ? String(error.stderr) : String(error);
    throw new GitError(args, stderr);
  }
}

/** Feed `git credential <action>` a credential description on stdin. */
export function gitCredential(g: GitEnv, cwd: string, action: 'approve' | 'reject', fields: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', ['-c', 'credential.helper=', '-c', `credential.helper=${g.credentialHelper ?? ''}`, 'credential', action], { cwd, env: gitEnv(g) }, (error) =>
      error === null ? resolve() : reject(new GitError(['credential', action], error.message)),
    );
    child.stdin?.end(`${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join('\n')}\n\n`);
  });
}
