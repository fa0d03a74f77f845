/**
 * Pure parts of the WebhookInbox (do/webhook-inbox.ts): the durable queue of
 * deliveries that arrived while Postgres was unreachable, as data plus
 * decisions. No storage, no clock, no I/O here; the object applies them.
 *
 * Storage layout (one Durable Object per repository, transactional storage):
 *   meta            InboxMeta: head/next sequence, count, bytes, failure counters
 *   q:<seq>         QueuedEntry of the delivery with that sequence (12 digits, zero-padded)
 *   b:<seq>:<i>     the i-th chunk of its JSON payload (values are capped at 2 MiB)
 *   d:<deliveryId>  its sequence, so a redelivery of a queued id is not queued twice
 *   x:<seq>         a parked entry (see decideDrainFailure); its chunks stay under b:<seq>:*
 * Sequences are dense: every sequence in [head, next) has a q: entry.
 */
import type { DbErrorKind } from '../db/db-errors.ts';

export { ApplyTimeoutError, classifyDbError, describeDbError, type DbErrorKind } from '../db/db-errors.ts';

export const META_KEY = 'meta';

/**
 * The thread a delivery belongs to: its issue, pull request or discussion
 * number (they share one number space per repository), or `repo` for what
 * names none (a label, a repository event). Decisions read and write one
 * thread's runs only, so deliveries of different threads may be applied side
 * by side; those of one thread never overtake each other.
 */
export function threadKeyOf(payload: unknown): string {
  if (typeof payload === 'object' && payload !== null) {
    for (const field of ['issue', 'pull_request', 'discussion'] as const) {
      const thread: unknown = (payload as Record<string, unknown>)[field];
      const number: unknown = typeof thread === 'object' && thread !== null ? (thread as { number?: unknown }).number : undefined;
      if (typeof number === 'number' && Number.isSafeInteger(number)) {
        return `#${number}`;
      }
    }
  }
  return 'repo';
}

export interface InboxLimits {
  maxDeliveries: number;
  maxBytes: number;
}

/** Per repository. Beyond it the edge answers 503 (see routes/github-webhooks.ts). */
export const INBOX_LIMITS: InboxLimits = { maxDeliveries: 10_000, maxBytes: 100 * 1024 * 1024 };

/** Drain retries: 1 s, 2 s, 4 s … capped at 60 s. */
export const BACKOFF = { initialMs: 1000, maxMs: 60_000 };

/**
 * An apply that takes longer than this counts as "database unreachable".
 * Below GitHub's 10 s delivery timeout, so the delivery is still queued and
 * answered. Queuing one that in fact commits later is harmless: the drain
 * then finds its delivery id taken (ingest is idempotent by delivery id).
 */
export const APPLY_TIMEOUT_MS = 5000;

/** Deliveries applied per alarm invocation before the object yields (a new alarm at once). */
export const MAX_STEPS_PER_ALARM = 500;

/** Payload chunk size in UTF-16 code units: at most 3 UTF-8 bytes each, so < 2 MiB per value. */
export const CHUNK_CHARS = 500_000;

export interface InboxMeta {
  /** Sequence of the oldest queued delivery (== next when empty). */
  head: number;
  /** Sequence the next queued delivery gets. */
  next: number;
  count: number;
  bytes: number;
  /** Consecutive failed drain attempts; drives the backoff. */
  failures: number;
  /** Kept for stored metas written by earlier versions; always 0 now (a permanent failure parks at once). */
  headRejections: number;
  parked: number;
}

export const EMPTY_META: InboxMeta = { head: 1, next: 1, count: 0, bytes: 0, failures: 0, headRejections: 0, parked: 0 };

export interface QueuedEntry {
  deliveryId: string;
  event: string;
  /** ISO 8601: when the edge received it (stored as the delivery's received_at). */
  receivedAt: string;
  /** UTF-8 size of the stored JSON payload. */
  bytes: number;
  chunks: number;
}

const pad = (seq: number): string => String(seq).padStart(12, '0');
export const entryKey = (seq: number): string => `q:${pad(seq)}`;
export const chunkKey = (seq: number, index: number): string => `b:${pad(seq)}:${index}`;
export const indexKey = (deliveryId: string): string => `d:${deliveryId}`;
export const parkedKey = (seq: number): string => `x:${pad(seq)}`;

export function chunkKeys(seq: number, chunks: number): string[] {
  return Array.from({ length: chunks }, (_, i) => chunkKey(seq, i));
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export function parseInboxMeta(raw: unknown): InboxMeta {
  if (typeof raw !== 'object' || raw === null) {
    return EMPTY_META;
  }
  const r = raw as Record<string, unknown>;
  const { head, next, count, bytes, failures, headRejections, parked } = r;
  if (!isCount(head) || !isCount(next) || !isCount(count) || !isCount(bytes) || !isCount(failures) || !isCount(headRejections) || !isCount(parked)) {
    return EMPTY_META;
  }
  return { head, next, count, bytes, failures, headRejections, parked };
}

export function parseQueuedEntry(raw: unknown): QueuedEntry | null {
  if (typeof raw !== 'object' || raw === null) {
    return null;
  }
  const { deliveryId, event, receivedAt, bytes, chunks } = raw as Record<string, unknown>;
  if (typeof deliveryId !== 'string' || typeof event !== 'string' || typeof receivedAt !== 'string' || !isCount(bytes) || !isCount(chunks)) {
    return null;
  }
  return { deliveryId, event, receivedAt, bytes, chunks };
}

/**
 * A parked entry: the queued entry plus what failed and when. The error is
 * the driver's name and SQLSTATE only (never a message: drivers quote the
 * statement's parameters, i.e. the payload). Entries parked by earlier
 * versions have neither.
 */
export interface ParkedEntry extends QueuedEntry {
  error: { name: string; code?: string } | null;
  parkedAt: string | null;
}

export const PARKED_PREFIX = 'x:';

export function parseParkedEntry(raw: unknown): ParkedEntry | null {
  const entry = parseQueuedEntry(raw);
  if (entry === null) {
    return null;
  }
  const { error, parkedAt } = raw as Record<string, unknown>;
  const e = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : null;
  return {
    ...entry,
    error: e !== null && typeof e['name'] === 'string' ? { name: e['name'], ...(typeof e['code'] === 'string' ? { code: e['code'] } : {}) } : null,
    parkedAt: typeof parkedAt === 'string' ? parkedAt : null,
  };
}

/** The sequence in a parked key (`x:000000000042` → 42); null for any other key. */
export function sequenceOfParkedKey(key: string): number | null {
  const match = /^x:(\d{12})$/.exec(key);
  return match?.[1] === undefined ? null : Number(match[1]);
}

export type ReplayDecision =
  /** Nothing is queued: apply the parked delivery now. */
  | { kind: 'apply' }
  /**
   * Deliveries wait in the queue (Postgres was unreachable): applying an
   * older parked one now would reorder its thread against them, and the
   * database is likely down anyway. Replay after the queue drains.
   */
  | { kind: 'backlog'; backlog: number };

export function decideReplay(meta: InboxMeta): ReplayDecision {
  return meta.count > 0 ? { kind: 'backlog', backlog: meta.count } : { kind: 'apply' };
}

/** A parked entry left the object (applied by a replay, or discarded by a person). */
export function unparked(meta: InboxMeta): InboxMeta {
  return { ...meta, parked: Math.max(0, meta.parked - 1) };
}

export type ArrivalDecision =
  /** Nothing is queued: apply now. */
  | { kind: 'apply' }
  /** Earlier deliveries are queued: append behind them, never overtake them. */
  | { kind: 'enqueue' }
  /** This delivery id is already queued (a redelivery): answer queued again. */
  | { kind: 'already_queued'; sequence: number };

/** `queuedSequence`: the d:<deliveryId> index entry, if any. */
export function decideArrival(meta: InboxMeta, queuedSequence: number | undefined): ArrivalDecision {
  if (queuedSequence !== undefined) {
    return { kind: 'already_queued', sequence: queuedSequence };
  }
  return meta.count === 0 ? { kind: 'apply' } : { kind: 'enqueue' };
}

export function hasRoom(meta: InboxMeta, bytes: number, limits: InboxLimits = INBOX_LIMITS): boolean {
  return meta.count + 1 <= limits.maxDeliveries && meta.bytes + bytes <= limits.maxBytes;
}


/** After a direct apply failed: queue it, refuse it (full), or fail as before (5xx). */
export function decideAfterApplyError(meta: InboxMeta, kind: DbErrorKind, bytes: number, limits: InboxLimits = INBOX_LIMITS): 'enqueue' | 'full' | 'fail' {
  if (kind === 'permanent') {
    return 'fail';
  }
  return hasRoom(meta, bytes, limits) ? 'enqueue' : 'full';
}

export function enqueued(meta: InboxMeta, bytes: number): { meta: InboxMeta; sequence: number } {
  return { sequence: meta.next, meta: { ...meta, next: meta.next + 1, count: meta.count + 1, bytes: meta.bytes + bytes } };
}

/** The head was applied (accepted, duplicate, ignored …): pop it; the database answered, so backoff resets. */
export function drained(meta: InboxMeta, bytes: number): InboxMeta {
  return popHead({ ...meta, failures: 0 }, bytes);
}

function popHead(meta: InboxMeta, bytes: number): InboxMeta {
  const count = Math.max(0, meta.count - 1);
  return { ...meta, head: meta.head + 1, count, bytes: count === 0 ? 0 : Math.max(0, meta.bytes - bytes), headRejections: 0 };
}

/** Delay before drain attempt number `failures + 1` after `failures` failed ones. */
export function backoffMs(failures: number): number {
  if (failures <= 0) {
    return 0;
  }
  return Math.min(BACKOFF.maxMs, BACKOFF.initialMs * 2 ** Math.min(failures - 1, 30));
}

/** When the first drain attempt runs after a delivery is queued. */
export function firstDrainDelayMs(meta: InboxMeta): number {
  return backoffMs(Math.max(1, meta.failures));
}

export type DrainFailureDecision =
  /** Keep the head, try again after `delayMs`. */
  | { kind: 'retry'; meta: InboxMeta; delayMs: number }
  /** Move the head aside (x:<seq>) and go on with the next one. */
  | { kind: 'park'; meta: InboxMeta };

/**
 * A drain attempt failed. Unreachable (or a transient conflict): keep the
 * head and back off. Permanent (the same statement would fail the same way:
 * bad data, a constraint, a bug): park it under x:<seq> at once, with an error
 * log, so it never holds the repository's later deliveries behind it
 * (retrying it 5 times with backoff held them for minutes).
 */
export function decideDrainFailure(meta: InboxMeta, kind: DbErrorKind, bytes: number): DrainFailureDecision {
  if (kind === 'unreachable') {
    const failures = meta.failures + 1;
    return { kind: 'retry', meta: { ...meta, failures }, delayMs: backoffMs(failures) };
  }
  const popped = popHead(meta, bytes);
  return { kind: 'park', meta: { ...popped, failures: 0, parked: meta.parked + 1 } };
}

/** Split a string into pieces of at most `size` code units without cutting a surrogate pair. */
export function splitChunks(text: string, size: number = CHUNK_CHARS): string[] {
  if (text.length === 0) {
    return [''];
  }
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff && end - 1 > start) {
      end -= 1;
    }
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}
