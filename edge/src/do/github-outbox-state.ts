/**
 * Pure rules of the GitHubOutbox (one per installation): what a queued
 * content write looks like, which older write a newer one replaces, when the
 * head of the queue may run, and what happens after an attempt.
 *
 * Guarantees (docs/domain.md §10.2):
 * - in order: only the head of the queue runs; a retry holds everything behind it;
 * - never dropped: transient failures (5xx, network, 429, secondary and primary
 *   limits, token minting) are retried with backoff forever; a permanent
 *   rejection (403/404/422 that no retry can fix) moves the write to the
 *   dead-letter list, kept for inspection, instead of blocking the queue;
 * - idempotent: a write has a key; a newer write with the same key replaces
 *   the queued older one (and moves to the tail, so the final state is that of
 *   the newest). Comments carry a hidden marker, so an upsert after a lost
 *   response finds the comment it already posted instead of posting another.
 */
import type { OutboxThread, OutboxWrite, OutboxWriteInput } from '../domain/github-writes.ts';
import type { GitHubError } from '../github/rest-transport.ts';
import { nextAllowedAt, type RateLimitState } from '../github/rate-limit-state.ts';

export type { OutboxLabel, OutboxRepo, OutboxThread, OutboxWrite, OutboxWriteInput } from '../domain/github-writes.ts';

export interface QueuedWrite {
  seq: number;
  write: OutboxWrite;
  attempts: number;
  /** Epoch ms before which this write must not be retried (its own backoff). */
  notBefore: number;
  enqueuedAt: number;
}

export interface DeadWrite {
  seq: number;
  write: OutboxWrite;
  error: GitHubError;
  attempts: number;
  failedAt: number;
}

export const RETRY_BASE_MS = 1_000;
export const RETRY_MAX_MS = 5 * 60_000;

/** The hidden line that identifies a run's status comment (docs/domain.md §10.2). */
export function statusCommentMarker(runId: string): string {
  return `<!-- stageline:run:${runId} -->`;
}

/** The hidden line of any other keyed comment. `--` would end an HTML comment early. */
export function commentMarker(key: string): string {
  return `<!-- stageline:write:${key.replace(/--+/g, '-')} -->`;
}

function threadId(t: OutboxThread): string {
  return `${t.repositoryId}#${t.number}`;
}

/** Appends the marker when the rendered body does not carry it already. */
export function withMarker(body: string, marker: string): string {
  return body.includes(marker) ? body : `${body}\n\n${marker}`;
}

export function toOutboxWrite(input: OutboxWriteInput): OutboxWrite {
  switch (input.kind) {
    case 'status-comment': {
      const marker = statusCommentMarker(input.runId);
      return { kind: 'upsert-comment', key: `status-comment:${input.runId}`, thread: input.thread, marker, body: withMarker(input.body, marker) };
    }
    case 'comment': {
      const marker = commentMarker(input.key);
      return { kind: 'upsert-comment', key: `comment:${input.key}`, thread: input.thread, marker, body: withMarker(input.body, marker) };
    }
    case 'add-labels':
      return { kind: 'add-labels', key: input.key ?? `labels:add:${threadId(input.thread)}:${[...input.labels].sort().join(',')}`, thread: input.thread, labels: input.labels };
    case 'remove-label':
      return { kind: 'remove-label', key: input.key ?? `labels:remove:${threadId(input.thread)}:${input.label}`, thread: input.thread, label: input.label };
    case 'reaction':
      return { kind: 'reaction', key: input.key ?? `reaction:${threadId(input.thread)}:${input.content}`, thread: input.thread, content: input.content };
    case 'create-label':
      return { kind: 'create-label', key: `repo-label:${input.repo.repositoryId}:${input.label.name.trim().toLowerCase()}`, repo: input.repo, label: input.label };
    case 'update-label':
      return { kind: 'update-label', key: `repo-label:${input.repo.repositoryId}:${input.name.trim().toLowerCase()}`, repo: input.repo, name: input.name, color: input.color, description: input.description };
  }
}

export type Step = { kind: 'idle' } | { kind: 'wait'; until: number } | { kind: 'run'; item: QueuedWrite };

/**
 * What to do with the head of the queue now. Every write is a content write,
 * so it waits for the rate-limit state's `write` slot and its own backoff.
 */
export function planStep(head: QueuedWrite | undefined, rate: RateLimitState, now: number): Step {
  if (head === undefined) {
    return { kind: 'idle' };
  }
  const at = Math.max(nextAllowedAt(rate, 'write', now), head.notBefore);
  return at <= now ? { kind: 'run', item: head } : { kind: 'wait', until: at };
}

export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

export type AttemptOutcome = { kind: 'done' } | { kind: 'retry'; notBefore: number } | { kind: 'dead' };

/**
 * After an attempt: done, retry (when), or dead-letter. `attempts` counts the
 * attempt that just failed.
 */
export function decideAfterAttempt(write: OutboxWrite, error: GitHubError | null, attempts: number, now: number): AttemptOutcome {
  if (error === null) {
    return { kind: 'done' };
  }
  switch (error.kind) {
    case 'rate_limited':
      // Not the write's fault: no backoff growth, just the limit's own time.
      return { kind: 'retry', notBefore: Math.max(error.retryAt, now) };
    case 'server_error':
    case 'network':
    case 'bad_response':
    case 'unauthorized':
    case 'not_configured':
      // unauthorized/not_configured: the token or the App config is broken;
      // the write stays queued until an operator fixes the secret.
      return { kind: 'retry', notBefore: now + retryDelayMs(attempts) };
    case 'not_found':
      // Removing a label that is already gone is what we wanted.
      return write.kind === 'remove-label' ? { kind: 'done' } : { kind: 'dead' };
    case 'unprocessable':
      // 422 `already_exists`: someone (or an earlier attempt whose answer was lost) created the label.
      return write.kind === 'create-label' ? { kind: 'done' } : { kind: 'dead' };
    case 'forbidden':
    case 'conflict':
      return { kind: 'dead' };
  }
}

/** Storage keys: the queue sorts by sequence number as text. */
export function queueKey(seq: number): string {
  return `q:${String(seq).padStart(12, '0')}`;
}

export function parseQueuedWrite(raw: unknown): QueuedWrite | null {
  if (typeof raw !== 'object' || raw === null) {
    return null;
  }
  const r = raw as Partial<QueuedWrite>;
  if (typeof r.seq !== 'number' || typeof r.write !== 'object' || r.write === null || typeof r.write.key !== 'string') {
    return null;
  }
  return { seq: r.seq, write: r.write, attempts: r.attempts ?? 0, notBefore: r.notBefore ?? 0, enqueuedAt: r.enqueuedAt ?? 0 };
}
