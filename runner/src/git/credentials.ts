/**
 * Git credentials without a token in the environment, the remote URL,
 * `.git/config` or a log: the runner asks the edge's broker for an
 * installation token (POST /runner/v1/git-credentials), puts it into git's
 * in-memory credential cache (a daemon on a socket in a private directory)
 * just before its own fetch or push, and takes it out right after, so the
 * agent's shells, which run between those steps, find nothing there. Every
 * token obtained is revoked when the run ends.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { expectOk, type EdgeClient } from '../edge-client.ts';
import { git, gitCredential, type GitEnv } from './git.ts';

interface Issued {
  username: string;
  token: string;
  expiresAt: number;
}

/** A token is used until five minutes before it expires (GitHub's last an hour: at most 55 minutes). */
const REFRESH_BEFORE_MS = 5 * 60_000;

export interface GitCredentials {
  /** Git environment for network commands (the cache helper on its socket). */
  env: GitEnv;
  /** Run `op` with the run's repository credentials in the cache, and only for its duration. */
  withCredentials<T>(remoteUrl: string, op: () => Promise<T>): Promise<T>;
  /** Revoke every token obtained and stop the cache daemon. */
  close(): Promise<void>;
}

export async function createGitCredentials(edge: EdgeClient, base: GitEnv, scratch: string): Promise<GitCredentials> {
  const dir = path.join(scratch, 'git-credentials');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const socket = path.join(dir, 'socket');
  const env: GitEnv = { ...base, credentialHelper: `cache --timeout=3300 --socket=${socket}` };
  const issued: Issued[] = [];
  let current: Issued | null = null;

  const fresh = async (): Promise<Issued> => {
    if (current !== null && current.expiresAt - REFRESH_BEFORE_MS > Date.now()) {
      return current;
    }
    const body = await expectOk(edge.call<{ username: string; token: string; expires_at: string }>('POST', '/runner/v1/git-credentials'), 'git credentials');
    current = { username: body.username, token: body.token, expiresAt: Date.parse(body.expires_at) };
    issued.push(current);
    return current;
  };

  const describe = (remoteUrl: string, cred: Issued) => {
    const url = new URL(remoteUrl);
    return { protocol: url.protocol.replace(':', ''), host: url.host, username: cred.username, password: cred.token };
  };

  return {
    env,
    async withCredentials(remoteUrl, op) {
      const cred = await fresh();
      await gitCredential(env, scratch, 'approve', describe(remoteUrl, cred));
      try {
        return await op();
      } finally {
        await gitCredential(env, scratch, 'reject', describe(remoteUrl, cred));
      }
    },
    async close() {
      for (const cred of issued) {
        await edge.call('DELETE', '/runner/v1/git-credentials', { token: cred.token }).catch(() => undefined);
      }
      await git(env, scratch, ['credential-cache', `--socket=${socket}`, 'exit']).catch(() => undefined);
    },
  };
}
