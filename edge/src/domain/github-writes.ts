/**
 * The vocabulary of GitHub content writes: what a use case may ask the
 * installation's outbox (do/github-outbox.ts) to do, and the normalized form
 * the outbox queues. Types only; the rules live in do/github-outbox-state.ts.
 */
import type { ReactionContent, RepoRef, ThreadRef } from '../github/github-client.ts';

/** The thread a write goes to; the installation is the outbox's. */
export type OutboxThread = Omit<ThreadRef, 'installationId'>;

/** A repository of the outbox's installation (repository-level writes: labels of the taxonomy). */
export type OutboxRepo = Omit<RepoRef, 'installationId'>;

/** A repository label as the label bootstrap writes it. */
export interface OutboxLabel {
  name: string;
  color: string;
  description: string;
}

/** What callers enqueue. */
export type OutboxWriteInput =
  /** The run's single status comment, created once and edited in place. */
  | { kind: 'status-comment'; thread: OutboxThread; runId: string; body: string }
  /** Any other service comment, created once per key and edited in place on a newer body. */
  | { kind: 'comment'; thread: OutboxThread; key: string; body: string }
  | { kind: 'add-labels'; thread: OutboxThread; labels: string[]; key?: string }
  | { kind: 'remove-label'; thread: OutboxThread; label: string; key?: string }
  | { kind: 'reaction'; thread: OutboxThread; content: ReactionContent; key?: string }
  /** Label bootstrap (github/label-bootstrap.ts): create a taxonomy label; one that exists meanwhile is fine. */
  | { kind: 'create-label'; repo: OutboxRepo; label: OutboxLabel }
  /** Label bootstrap: refresh colour and description of a label Stageline owns (`name` as on GitHub). */
  | { kind: 'update-label'; repo: OutboxRepo; name: string; color: string; description: string };

/** The normalized write: comments are upserts found by their marker. */
export type OutboxWrite =
  | { kind: 'upsert-comment'; key: string; thread: OutboxThread; marker: string; body: string }
  | { kind: 'add-labels'; key: string; thread: OutboxThread; labels: string[] }
  | { kind: 'remove-label'; key: string; thread: OutboxThread; label: string }
  | { kind: 'reaction'; key: string; thread: OutboxThread; content: ReactionContent }
  | { kind: 'create-label'; key: string; repo: OutboxRepo; label: OutboxLabel }
  | { kind: 'update-label'; key: string; repo: OutboxRepo; name: string; color: string; description: string };
