import type { OutboxThread, OutboxWriteInput } from './github-writes.ts';
import { githubOutboxOf } from '../composition/durable-objects.ts';
import type { Logger } from '../lib/log.ts';
import type { EffectBatch, GitHubEffect, RepositoryOnGitHub } from './github-port.ts';

function threadOf(repo: RepositoryOnGitHub, thread: GitHubEffect['thread']): OutboxThread {
  const [owner = '', name = ''] = repo.fullName.split('/');
  return { repositoryId: repo.repositoryId, owner, repo: name, number: thread.number, isPullRequest: thread.kind === 'pull_request' };
}

function toWrite(repo: RepositoryOnGitHub, effect: GitHubEffect): OutboxWriteInput {
  const thread = threadOf(repo, effect.thread);
  switch (effect.kind) {
    case 'comment':
      return { kind: 'comment', thread, key: effect.key, body: effect.body };
    case 'add_labels':
      return { kind: 'add-labels', thread, key: effect.key, labels: effect.labels };
    case 'remove_label':
      return { kind: 'remove-label', thread, key: effect.key, label: effect.label };
    case 'reaction':
      return { kind: 'reaction', thread, key: effect.key, content: effect.content };
    case 'status_comment':
      return { kind: 'status-comment', thread, runId: effect.runId, body: effect.body };
  }
}

/**
 * Hand committed decisions' GitHub writes to the installation's outbox (one
 * Durable Object per installation: ordered, rate-limited, retried). Called
 * after the commit; a failure here is logged — the run exists either way.
 */
export async function enqueueGitHub(env: Pick<Env, 'GITHUB_OUTBOX'>, batches: readonly EffectBatch[], log: Logger): Promise<void> {
  for (const batch of batches) {
    if (batch.effects.length === 0) {
      continue;
    }
    const { installationId } = batch.repo;
    try {
      const outbox = githubOutboxOf(env, installationId);
      await outbox.enqueue(installationId, batch.effects.map((e) => toWrite(batch.repo, e)));
    } catch (error) {
      log.error('github writes not queued', { installationId, writes: batch.effects.map((e) => e.key), error });
    }
  }
}
