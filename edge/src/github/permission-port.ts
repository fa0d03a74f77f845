import type { RepositoryPermission } from '@stageline/policy';
import type { GitHubPort, RepositoryOnGitHub } from '../domain/github-port.ts';
import type { GitHubClient } from './github-client.ts';

const KNOWN: readonly RepositoryPermission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none'];

/**
 * The actor guard's question to GitHub (docs/domain.md §2.6), cached briefly per
 * repository and login: a maintainer labelling ten issues costs one call,
 * and a revoked permission stops working within `ttlMs`. Failures are not
 * cached and answer `unavailable` (the delivery is retried, not refused).
 */
export function createPermissionPort(client: GitHubClient, options: { ttlMs: number; now: () => number; maxEntries?: number }): GitHubPort {
  const cache = new Map<string, { permission: RepositoryPermission; at: number }>();
  const max = options.maxEntries ?? 5000;
  return {
    async permission(repo: RepositoryOnGitHub, login: string): Promise<RepositoryPermission> {
      const key = `${repo.repositoryId}:${login.toLowerCase()}`;
      const hit = cache.get(key);
      if (hit !== undefined && options.now() - hit.at < options.ttlMs) {
        return hit.permission;
      }
      const [owner = '', name = ''] = repo.fullName.split('/');
      const answer = await client.getCollaboratorPermission({ installationId: repo.installationId, repositoryId: repo.repositoryId, owner, repo: name }, login);
      let permission: RepositoryPermission;
      if (answer.ok) {
        permission = KNOWN.find((p) => p === answer.value.permission) ?? 'none';
      } else if (answer.error.kind === 'not_found') {
        // Not a collaborator (GitHub answers 404 for users outside the repository).
        permission = 'none';
      } else {
        return 'unavailable';
      }
      if (cache.size >= max) {
        cache.clear();
      }
      cache.set(key, { permission, at: options.now() });
      return permission;
    },
  };
}
