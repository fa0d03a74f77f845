/**
 * Running the system's `git`. The environment is built from scratch, so neither
 * the user's ~/.gitconfig nor a GIT_DIR leaking from a surrounding hook changes
 * what the fake's repositories contain or answer.
 */
import { execFile } from 'node:child_process';

/** Generous: `git log` of a long history is the largest output the fake reads. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? '/',
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(args: readonly string[], exitCode: number | null, stderr: string) {
    super(`git ${args.join(' ')} failed (${exitCode ?? 'signal'}): ${stderr.trim()}`);
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Resolves with stdout; rejects with GitCommandError on a non-zero exit. */
export function runGit(args: readonly string[], opts: { input?: string; env?: Record<string, string> } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { env: gitEnv(opts.env) as NodeJS.ProcessEnv, maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        reject(new GitCommandError(args, typeof err.code === 'number' ? err.code : null, stderr));
        return;
      }
      resolve(stdout);
    });
    if (opts.input !== undefined) {
      child.stdin?.end(opts.input);
    } else {
      child.stdin?.end();
    }
  });
}
