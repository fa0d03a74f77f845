/**
 * The checkout the agent works in: cloned through the credential cache,
 * on the run's branch (an existing remote branch is continued, a new one
 * starts at the base), and the diff base recorded for the scope check. On a
 * branch that already has commits (PR and revise runs) the agent's own
 * configuration files are restored from the base branch, so a pull request
 * cannot rewrite the rules its agent works under.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { GitCredentials } from './git/credentials.ts';
import { git } from './git/git.ts';
import type { RunnerSpec } from './spec.ts';

/** What the agent reads as its configuration; always taken from the base branch on PR runs. */
export const AGENT_CONFIG_PATHS = ['.codex', '.claude', '.mcp.json', 'AGENTS.md'] as const;

export interface Workspace {
  dir: string;
  /** The commit the run's changes are measured against. */
  baseSha: string;
  /** The run's branch existed before (a revise or a PR run). */
  continued: boolean;
  /** AGENTS.md as the agent must see it (from the base branch). */
  agentsMd: string | null;
  /** Paths restored from the base before the agent ran; put back to the branch's version before committing. */
  restored: string[];
}

async function remoteHas(creds: GitCredentials, dir: string, url: string, branch: string): Promise<boolean> {
  const out = await creds.withCredentials(url, () => git(creds.env, dir, ['ls-remote', '--heads', 'origin', `refs/heads/${branch}`]));
  return out.trim() !== '';
}

async function pathsIn(creds: GitCredentials, dir: string, ref: string): Promise<Set<string>> {
  const out = await git(creds.env, dir, ['ls-tree', '--name-only', ref, '--', ...AGENT_CONFIG_PATHS]);
  return new Set(out.split('\n').filter((l) => l !== ''));
}

export async function prepareWorkspace(creds: GitCredentials, spec: RunnerSpec, root: string): Promise<Workspace> {
  const dir = path.join(root, 'repo');
  await rm(dir, { recursive: true, force: true });
  const url = spec.repository.clone_url;
  const base = spec.write.base_branch;
  await creds.withCredentials(url, () => git(creds.env, root, ['clone', '--quiet', '--no-tags', '--branch', base, url, dir]));
  const branch = spec.write.branch;
  const continued = branch !== null && branch !== base && (await remoteHas(creds, dir, url, branch));
  if (continued && branch !== null) {
    await creds.withCredentials(url, () => git(creds.env, dir, ['fetch', '--quiet', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]));
    await git(creds.env, dir, ['checkout', '--quiet', '-B', branch, `origin/${branch}`]);
  } else if (branch !== null && branch !== base) {
    await git(creds.env, dir, ['checkout', '--quiet', '-b', branch]);
  }
  const baseSha = (await git(creds.env, dir, ['merge-base', 'HEAD', `origin/${base}`])).trim();
  const restored: string[] = [];
  if (continued) {
    const onBase = await pathsIn(creds, dir, `origin/${base}`);
    const onHead = await pathsIn(creds, dir, 'HEAD');
    for (const p of AGENT_CONFIG_PATHS) {
      if (onBase.has(p)) {
        await git(creds.env, dir, ['checkout', `origin/${base}`, '--', p]);
        restored.push(p);
      } else if (onHead.has(p)) {
        await rm(path.join(dir, p), { recursive: true, force: true });
        restored.push(p);
      }
    }
  }
  const agentsMd = await readFile(path.join(dir, 'AGENTS.md'), 'utf8').catch(() => null);
  return { dir, baseSha, continued, agentsMd, restored };
}

/** Put the branch's own versions of the restored configuration back, so they are not part of the agent's change. */
export async function unrestoreConfig(creds: GitCredentials, ws: Workspace): Promise<void> {
  if (ws.restored.length === 0) {
    return;
  }
  const onHead = await pathsIn(creds, ws.dir, 'HEAD');
  for (const p of ws.restored) {
    await rm(path.join(ws.dir, p), { recursive: true, force: true });
    if (onHead.has(p)) {
      await git(creds.env, ws.dir, ['checkout', 'HEAD', '--', p]);
    }
  }
  await git(creds.env, ws.dir, ['reset', '--quiet', '--', ...ws.restored]);
}

/** Every path the run changed against the base: its commits and its working tree, untracked files included. */
export async function changedPaths(creds: GitCredentials, ws: Workspace): Promise<string[]> {
  await git(creds.env, ws.dir, ['add', '--all']);
  const out = await git(creds.env, ws.dir, ['diff', '--cached', '--name-only', '--no-renames', '-z', ws.baseSha]);
  return out.split('\0').filter((p) => p !== '');
}
