import type { RepositoryPermission, Thread } from '@stageline/policy';

/** Where a repository lives on GitHub: the App installation that can act on it. */
export interface RepositoryOnGitHub {
  installationId: number;
  repositoryId: number;
  fullName: string;
}

/** What webhook ingest asks GitHub before it decides (the answer may be cached). */
export interface GitHubPort {
  /** The sender's permission on the repository; `unavailable` when GitHub could not say. */
  permission(repo: RepositoryOnGitHub, login: string): Promise<RepositoryPermission>;
}

/**
 * GitHub writes a decision implies, performed after the commit through the
 * installation's outbox (rate-limited, retried, never dropped). `key` makes
 * each idempotent: a redelivered or retried write does not post twice.
 */
export type GitHubEffect =
  | { kind: 'comment'; key: string; thread: Thread; body: string }
  | { kind: 'add_labels'; key: string; thread: Thread; labels: string[] }
  | { kind: 'remove_label'; key: string; thread: Thread; label: string }
  | { kind: 'reaction'; key: string; thread: Thread; content: 'eyes' }
  | { kind: 'status_comment'; key: string; runId: string; thread: Thread; body: string };

export interface EffectBatch {
  repo: RepositoryOnGitHub;
  effects: GitHubEffect[];
}
