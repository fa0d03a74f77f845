/**
 * Perform one queued content write against GitHub. A comment write is an
 * upsert: edit the remembered comment; if none is remembered (or it was
 * deleted), look for the hidden marker in the thread before creating, so a
 * retry after a lost response never posts a second comment (docs/domain.md §10.2).
 */
import type { OutboxWrite } from '../domain/github-writes.ts';
import type { GitHubClient, ThreadRef } from './github-client.ts';
import type { GitHubError } from './rest-transport.ts';

export interface ApplyResult {
  error: GitHubError | null;
  /** The comment an upsert wrote (to remember for the next edit). */
  commentId?: number;
  /** The remembered comment id turned out to be gone. */
  forgetComment?: boolean;
}

export async function applyOutboxWrite(client: GitHubClient, installationId: number, write: OutboxWrite, knownCommentId: number | null): Promise<ApplyResult> {
  switch (write.kind) {
    case 'create-label': {
      const res = await client.createLabel({ ...write.repo, installationId }, write.label);
      return { error: res.ok ? null : res.error };
    }
    case 'update-label': {
      const res = await client.updateLabel({ ...write.repo, installationId }, write.name, { color: write.color, description: write.description });
      return { error: res.ok ? null : res.error };
    }
    case 'upsert-comment': {
      const thread: ThreadRef = { ...write.thread, installationId };
      let forgetComment = false;
      if (knownCommentId !== null) {
        const edited = await client.updateIssueComment(thread, knownCommentId, write.body);
        if (edited.ok) {
          return { error: null, commentId: knownCommentId };
        }
        if (edited.error.kind !== 'not_found') {
          return { error: edited.error };
        }
        // Someone deleted our comment: find another copy or post a new one.
        forgetComment = true;
      }
      const found = await client.findIssueCommentByMarker(thread, write.marker);
      if (!found.ok) {
        return { error: found.error, forgetComment };
      }
      if (found.value !== null) {
        if (found.value.body === write.body) {
          return { error: null, commentId: found.value.id };
        }
        const edited = await client.updateIssueComment(thread, found.value.id, write.body);
        return edited.ok ? { error: null, commentId: found.value.id } : { error: edited.error, forgetComment };
      }
      const created = await client.createIssueComment(thread, write.body);
      return created.ok ? { error: null, commentId: created.value.id } : { error: created.error, forgetComment };
    }
    case 'add-labels': {
      const res = await client.addIssueLabels({ ...write.thread, installationId }, write.labels);
      return { error: res.ok ? null : res.error };
    }
    case 'remove-label': {
      const res = await client.removeIssueLabel({ ...write.thread, installationId }, write.label);
      return { error: res.ok ? null : res.error };
    }
    case 'reaction': {
      const res = await client.createIssueReaction({ ...write.thread, installationId }, write.content);
      return { error: res.ok ? null : res.error };
    }
  }
}
