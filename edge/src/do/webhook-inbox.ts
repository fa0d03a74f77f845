import { DurableObject } from 'cloudflare:workers';
import { createEdgeRoot } from '../composition/root.ts';
import { DependencyUnavailableError, ingestWebhook, type CancelAction, type IngestOptions, type IngestOutcome, type VerifiedDelivery } from '../domain/ingest-webhook.ts';
import { readDeliveryText, type DeliveryText } from '../domain/verified-delivery.ts';
import { createPermissionPort } from '../github/permission-port.ts';
import { createRepositoryCache, type RepositoryCache } from '../db/repository-cache.ts';
import { jsonbSafe, jsonbSafeText } from '../db/jsonb.ts';
import {
  APPLY_TIMEOUT_MS,
  ApplyTimeoutError,
  chunkKeys,
  classifyDbError,
  decideAfterApplyError,
  decideArrival,
  decideDrainFailure,
  describeDbError,
  drained,
  EMPTY_META,
  enqueued,
  entryKey,
  firstDrainDelayMs,
  hasRoom,
  INBOX_LIMITS,
  indexKey,
  MAX_STEPS_PER_ALARM,
  META_KEY,
  decideReplay,
  PARKED_PREFIX,
  parkedKey,
  parseInboxMeta,
  parseParkedEntry,
  parseQueuedEntry,
  sequenceOfParkedKey,
  unparked,
  backoffMs,
  splitChunks,
  threadKeyOf,
  type InboxMeta,
  type ParkedEntry,
  type QueuedEntry,
} from './webhook-inbox-state.ts';

/**
 * What the inbox answers its caller: what the delivery did (its effects were
 * handed to the effect pipeline here, after the commit), or that it was kept
 * for later.
 */
export type InboxAnswer =
  | { kind: 'duplicate' }
  | { kind: 'accepted'; runId: string; clusterId: string | null; reasons: string[] }
  | { kind: 'runs_canceled'; action: CancelAction; canceled: string[] }
  | { kind: 'ignored'; reason: string }
  /** Postgres is unreachable (or earlier deliveries wait): kept in this object's storage. */
  | { kind: 'queued'; deliveryId: string; sequence: number; backlog: number }
  /** Postgres is unreachable and the queue is at its bound. */
  | { kind: 'inbox_full'; retryAfterSeconds: number; backlog: number }
  /**
   * The apply failed for good (not an outage): nothing was committed, and the
   * sender's redelivery tries again. An answer rather than a throw: an error that
   * leaves a Durable Object is reported by the runtime as uncaught.
   */
  | { kind: 'failed'; reason: string };

/** A revoked write permission stops starting agents within this long (docs/domain.md §2.6 "cached briefly"). */
const PERMISSION_TTL_MS = 60_000;

/** Seconds a sender should wait after `inbox_full`. */
const RETRY_AFTER_SECONDS = 60;

type DrainStep = 'continue' | 'stop' | 'empty';

/** A parked delivery as the console lists it (no payload). */
export type ParkedDelivery = ParkedEntry & { sequence: number };

export type ReplayAnswer =
  | { kind: 'not_found' }
  /** Deliveries are queued (Postgres was unreachable): replay once they drained. */
  | { kind: 'backlog'; backlog: number }
  /** Postgres (or GitHub) is unreachable now; the delivery stays parked. */
  | { kind: 'unavailable' }
  /** It failed again; it stays parked with the new error. */
  | { kind: 'failed'; error: { name: string; code?: string } }
  | { kind: 'applied'; answer: InboxAnswer };

/** What a failure may show outside the object: the driver's name and SQLSTATE, never its message (it quotes the payload). */
function safeError(error: unknown): { name: string; code?: string } {
  const { name, code } = describeDbError(error);
  return code === undefined ? { name } : { name, code };
}

/**
 * Verified deliveries of one repository are applied here: one thread's (issue,
 * pull request, discussion) in arrival order, different threads side by side.
 * Unlike a Worker request, a Durable Object may keep its sockets between
 * calls, so the Postgres pool stays warm and the acknowledgement costs one
 * round trip instead of a connection setup plus a transaction.
 *
 * When Postgres is unreachable the delivery is kept in this object's
 * transactional storage and answered `queued`; the alarm drains the queue in
 * order with exponential backoff. While anything is queued, new deliveries
 * are appended, never applied directly, so none overtakes an earlier one of
 * its thread.
 * The decisions live in webhook-inbox-state.ts; this class does the I/O.
 */
export class WebhookInbox extends DurableObject<Env> {
  private readonly root = createEdgeRoot(this.env, { component: 'webhook-inbox' });
  private readonly log = this.root.log;
  private readonly pool = this.root.warmPool();
  private readonly repositories: RepositoryCache = createRepositoryCache(10_000);
  /** What ingest needs besides the database (settings, the cached sender-permission lookups); built on first use. */
  private options: IngestOptions | undefined;
  /** The stored `meta`, re-read at the start of every turn (storage reads are local and cached). */
  private meta: InboxMeta = EMPTY_META;
  /** Steps that change the queue (enqueue, drain) run one at a time, in the order they came (FIFO). */
  private turn: Promise<unknown> = Promise.resolve();
  /** The tail of each thread's arrivals (webhook-inbox-state.ts threadKeyOf); a thread's deliveries run one at a time. */
  private readonly threads = new Map<string, Promise<unknown>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      await this.loadMeta();
      // A queue without an alarm (e.g. the runtime gave up retrying a throwing alarm) gets one.
      if (this.meta.count > 0 && (await ctx.storage.getAlarm()) === null) {
        await ctx.storage.setAlarm(Date.now() + firstDrainDelayMs(this.meta));
      }
    });
  }

  async ingest(delivery: DeliveryText): Promise<InboxAnswer> {
    const verified = readDeliveryText(delivery);
    // One at a time per thread, in arrival order: a delivery's decision reads what
    // earlier ones of its issue wrote (a stage label ends the discussion a
    // moment-earlier label opened), so they must not overtake each other. Other
    // threads' deliveries are applied meanwhile, each on its own pooled connection.
    return this.onThread(threadKeyOf(verified.payload), () => this.receive(verified));
  }

  /** The repository's binding changed (installation events): look it up again on the next delivery. */
  async forgetRepository(externalId: number): Promise<void> {
    this.repositories.forget(externalId);
  }

  /** Parked deliveries, oldest first, without their payloads (the console's errors screen). */
  async parkedDeliveries(limit: number): Promise<ParkedDelivery[]> {
    const rows = await this.ctx.storage.list({ prefix: PARKED_PREFIX, limit });
    return [...rows].flatMap(([key, raw]) => {
      const sequence = sequenceOfParkedKey(key);
      const entry = parseParkedEntry(raw);
      return sequence === null || entry === null ? [] : [{ ...entry, sequence }];
    });
  }

  /**
   * Apply a parked delivery again, after whatever made it fail was fixed. It
   * runs in its thread's order like an arrival; once applied (or found
   * applied already: ingest dedupes by delivery id) it leaves the object.
   */
  async replayParked(sequence: number): Promise<ReplayAnswer> {
    const entry = parseParkedEntry(await this.ctx.storage.get(parkedKey(sequence)));
    if (entry === null) {
      return { kind: 'not_found' };
    }
    let delivery: VerifiedDelivery;
    try {
      delivery = await this.storedDelivery(sequence, entry);
    } catch (error) {
      return { kind: 'failed', error: safeError(error) };
    }
    return this.onThread(threadKeyOf(delivery.payload), () =>
      this.serially(async (): Promise<ReplayAnswer> => {
        if (parseParkedEntry(await this.ctx.storage.get(parkedKey(sequence))) === null) {
          return { kind: 'not_found' };
        }
        const decision = decideReplay(this.meta);
        if (decision.kind === 'backlog') {
          return decision;
        }
        let outcome: IngestOutcome;
        try {
          outcome = await this.apply(delivery);
        } catch (error) {
          if (classifyDbError(error) === 'unreachable') {
            return { kind: 'unavailable' };
          }
          const failure = safeError(error);
          await this.ctx.storage.put(parkedKey(sequence), { ...entry, error: failure, parkedAt: new Date().toISOString() } satisfies ParkedEntry);
          this.log.warn('parked delivery failed again', { deliveryId: entry.deliveryId, sequence, error: failure });
          return { kind: 'failed', error: failure };
        }
        await this.removeParked(sequence, entry);
        this.log.info('parked delivery replayed', { deliveryId: entry.deliveryId, sequence, outcome: outcome.kind });
        this.committed(outcome, entry.deliveryId);
        return { kind: 'applied', answer: toAnswer(outcome) };
      }),
    );
  }

  /** Drop a parked delivery for good (a person decided it must not be applied); false when it is not there. */
  async discardParked(sequence: number): Promise<boolean> {
    return this.serially(async () => {
      const entry = parseParkedEntry(await this.ctx.storage.get(parkedKey(sequence)));
      if (entry === null) {
        return false;
      }
      await this.removeParked(sequence, entry);
      this.log.info('parked delivery discarded', { deliveryId: entry.deliveryId, sequence });
      return true;
    });
  }

  /** Drain: apply queued deliveries oldest first until the queue is empty or Postgres fails again. */
  override async alarm(): Promise<void> {
    // Safety net first: should anything below throw, a later attempt is already
    // scheduled (and nothing is removed from the queue before its apply committed).
    await this.loadMeta();
    await this.ctx.storage.setAlarm(Date.now() + backoffMs(this.meta.failures + 1));
    for (let i = 0; i < MAX_STEPS_PER_ALARM; i += 1) {
      // One delivery per turn, so arrivals are appended between steps instead of waiting for the whole drain.
      const step = await this.serially(() => this.drainOne());
      if (step !== 'continue') {
        return;
      }
    }
    await this.ctx.storage.setAlarm(Date.now());
  }

  /** Built once per object: the settings do not change while it lives, and the permission cache must persist. */
  private ingestOptions(): IngestOptions {
    if (this.options === undefined) {
      const { settings } = this.root;
      const app = this.root.githubApp();
      this.options = {
        repositories: this.repositories,
        github: app === undefined ? undefined : createPermissionPort(app.client, { ttlMs: PERMISSION_TTL_MS, now: Date.now }),
        botLogin: settings.githubBotLogin,
        defaults: { model: settings.defaultModel, reasoningEffort: settings.defaultReasoningEffort, productionNamespace: null, consoleUrl: settings.consoleUrl },
      };
    }
    return this.options;
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.turn.then(async () => {
      await this.loadMeta();
      return task();
    });
    // The chain only orders the tasks; each caller sees its own result or error.
    this.turn = result.catch(() => undefined);
    return result;
  }

  private onThread<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.threads.get(key) ?? Promise.resolve()).then(task);
    const tail = result.catch(() => undefined);
    this.threads.set(key, tail);
    void tail.then(() => {
      // Forget an idle thread (a newer arrival may have become its tail meanwhile).
      if (this.threads.get(key) === tail) {
        this.threads.delete(key);
      }
    });
    return result;
  }

  private async receive(delivery: VerifiedDelivery): Promise<InboxAnswer> {
    await this.loadMeta();
    const queuedSequence = this.meta.count > 0 ? await this.ctx.storage.get<number>(indexKey(delivery.deliveryId)) : undefined;
    const decision = decideArrival(this.meta, queuedSequence);
    switch (decision.kind) {
      case 'already_queued':
        return { kind: 'queued', deliveryId: delivery.deliveryId, sequence: decision.sequence, backlog: this.meta.count };
      case 'enqueue':
        // Behind what is queued; the drain applies the queue in order.
        return this.serially(() => this.enqueue(delivery));
      case 'apply':
        break;
    }
    let outcome: IngestOutcome;
    try {
      outcome = await this.apply(delivery);
    } catch (error) {
      return this.serially(() => this.afterApplyError(delivery, error));
    }
    return this.committed(outcome, delivery.deliveryId);
  }

  /** After the commit: hand the effects to the pipeline (it outlives the answer) and answer without them. */
  private committed(outcome: IngestOutcome, deliveryId: string): InboxAnswer {
    if (outcome.kind !== 'duplicate') {
      this.ctx.waitUntil(this.root.effects.run(outcome.effects, this.log.with({ deliveryId })));
    }
    return toAnswer(outcome);
  }

  /** An apply failed: queue it if the database (or GitHub) was unreachable, else answer 5xx. */
  private async afterApplyError(delivery: VerifiedDelivery, error: unknown): Promise<InboxAnswer> {
    const kind = classifyDbError(error);
    const text = delivery.payloadText;
    const next = decideAfterApplyError(this.meta, kind, utf8Bytes(text), INBOX_LIMITS);
    this.log.warn('ingest failed', { deliveryId: delivery.deliveryId, errorKind: kind, next, error: describeDbError(error) });
    if (next === 'fail') {
      // Without the driver's error: drizzle's message quotes the query parameters
      // (the payload), and the route logs what it gets.
      const { name, code } = describeDbError(error);
      return { kind: 'failed', reason: `${name}${code === undefined ? '' : ` ${code}`}` };
    }
    return next === 'full' ? this.full() : this.enqueue(delivery, text);
  }

  private async apply(delivery: VerifiedDelivery): Promise<IngestOutcome> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ApplyTimeoutError(APPLY_TIMEOUT_MS)), APPLY_TIMEOUT_MS);
      });
      return await Promise.race([ingestWebhook(delivery, this.pool.db(), this.ingestOptions()), timeout]);
    } catch (error) {
      // A broken (or hung) connection must not poison later calls; a refused
      // decision (GitHub did not answer) or bad data leaves the pool healthy.
      if (!(error instanceof DependencyUnavailableError) && classifyDbError(error) === 'unreachable') {
        this.ctx.waitUntil(this.pool.reset());
      }
      throw error;
    } finally {
      if (timer !== undefined) {
        clearTimeout(timer);
      }
    }
  }

  private full(): InboxAnswer {
    this.log.warn('inbox full', { backlog: this.meta.count, backlogBytes: this.meta.bytes, limits: INBOX_LIMITS });
    return { kind: 'inbox_full', retryAfterSeconds: RETRY_AFTER_SECONDS, backlog: this.meta.count };
  }

  private async enqueue(delivery: VerifiedDelivery, text = delivery.payloadText): Promise<InboxAnswer> {
    const bytes = utf8Bytes(text);
    if (!hasRoom(this.meta, bytes, INBOX_LIMITS)) {
      return this.full();
    }
    const { meta, sequence } = enqueued(this.meta, bytes);
    const chunks = splitChunks(text);
    const entry: QueuedEntry = { deliveryId: delivery.deliveryId, event: delivery.event, receivedAt: delivery.receivedAt.toISOString(), bytes, chunks: chunks.length };
    const writes: Record<string, unknown> = { [META_KEY]: meta, [entryKey(sequence)]: entry, [indexKey(delivery.deliveryId)]: sequence };
    chunkKeys(sequence, chunks.length).forEach((key, i) => {
      writes[key] = chunks[i];
    });
    // One put is one atomic write (≤ 128 keys: a 25 MiB body is ≤ 53 chunks); the
    // output gate holds the answer until it is durable.
    await this.ctx.storage.put(writes);
    this.meta = meta;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + firstDrainDelayMs(meta));
    }
    this.log.info('delivery queued', { deliveryId: delivery.deliveryId, sequence, backlog: meta.count, backlogBytes: meta.bytes });
    return { kind: 'queued', deliveryId: delivery.deliveryId, sequence, backlog: meta.count };
  }

  private async drainOne(): Promise<DrainStep> {
    if (this.meta.count === 0) {
      await this.ctx.storage.deleteAlarm();
      return 'empty';
    }
    const sequence = this.meta.head;
    const entry = parseQueuedEntry(await this.ctx.storage.get(entryKey(sequence)));
    if (entry === null) {
      // Sequences are dense, so this is corruption; skipping keeps the rest moving.
      this.log.error('queued entry missing; skipped', { sequence });
      await this.commitMeta(drained(this.meta, 0));
      return 'continue';
    }
    let outcome: IngestOutcome;
    try {
      outcome = await this.apply(await this.storedDelivery(sequence, entry));
    } catch (error) {
      return this.drainFailed(sequence, entry, error);
    }
    const meta = drained(this.meta, entry.bytes);
    await this.ctx.storage.transaction(async (txn) => {
      await txn.delete([entryKey(sequence), indexKey(entry.deliveryId), ...chunkKeys(sequence, entry.chunks)]);
      await txn.put(META_KEY, meta);
    });
    this.meta = meta;
    this.log.info('delivery drained', {
      deliveryId: entry.deliveryId,
      sequence,
      outcome: outcome.kind,
      ...(outcome.kind === 'accepted' ? { runId: outcome.runId } : {}),
      queuedMs: Date.now() - Date.parse(entry.receivedAt),
      backlog: meta.count,
      backlogBytes: meta.bytes,
    });
    this.committed(outcome, entry.deliveryId);
    if (meta.count === 0) {
      await this.ctx.storage.deleteAlarm();
      this.log.info('inbox drained', { backlog: 0, parked: meta.parked });
      return 'empty';
    }
    return 'continue';
  }

  /** The delivery a queued or parked entry holds, joined from its chunks. Throws on a text that is not JSON. */
  private async storedDelivery(sequence: number, entry: QueuedEntry): Promise<VerifiedDelivery> {
    const keys = chunkKeys(sequence, entry.chunks);
    const parts = await this.ctx.storage.get<string>(keys);
    const text = keys.map((key) => parts.get(key) ?? '').join('');
    // jsonbSafeText: entries queued before the route made payloads safe may still hold NUL or lone surrogates.
    const payload: unknown = jsonbSafe(JSON.parse(text));
    return { deliveryId: entry.deliveryId, event: entry.event, payload, payloadText: jsonbSafeText(text, payload), receivedAt: new Date(entry.receivedAt) };
  }

  private async removeParked(sequence: number, entry: QueuedEntry): Promise<void> {
    const meta = unparked(this.meta);
    await this.ctx.storage.transaction(async (txn) => {
      await txn.delete([parkedKey(sequence), ...chunkKeys(sequence, entry.chunks)]);
      await txn.put(META_KEY, meta);
    });
    this.meta = meta;
  }

  private async drainFailed(sequence: number, entry: QueuedEntry, error: unknown): Promise<DrainStep> {
    const kind = classifyDbError(error);
    const decision = decideDrainFailure(this.meta, kind, entry.bytes);
    if (decision.kind === 'park') {
      await this.ctx.storage.transaction(async (txn) => {
        await txn.put(parkedKey(sequence), { ...entry, error: safeError(error), parkedAt: new Date().toISOString() } satisfies ParkedEntry);
        await txn.delete([entryKey(sequence), indexKey(entry.deliveryId)]);
        await txn.put(META_KEY, decision.meta);
      });
      this.meta = decision.meta;
      this.log.error('queued delivery parked', { deliveryId: entry.deliveryId, sequence, error: describeDbError(error), backlog: decision.meta.count, parked: decision.meta.parked });
      return decision.meta.count === 0 ? 'empty' : 'continue';
    }
    await this.commitMeta(decision.meta);
    await this.ctx.storage.setAlarm(Date.now() + decision.delayMs);
    this.log.warn('drain deferred', {
      deliveryId: entry.deliveryId,
      sequence,
      errorKind: kind,
      error: describeDbError(error),
      failures: decision.meta.failures,
      retryInMs: decision.delayMs,
      backlog: decision.meta.count,
      backlogBytes: decision.meta.bytes,
    });
    return 'stop';
  }

  private async loadMeta(): Promise<void> {
    this.meta = parseInboxMeta(await this.ctx.storage.get(META_KEY));
  }

  private async commitMeta(meta: InboxMeta): Promise<void> {
    await this.ctx.storage.put(META_KEY, meta);
    this.meta = meta;
  }
}

function toAnswer(outcome: IngestOutcome): InboxAnswer {
  switch (outcome.kind) {
    case 'duplicate':
      return outcome;
    case 'accepted':
      return { kind: 'accepted', runId: outcome.runId, clusterId: outcome.clusterId, reasons: outcome.reasons };
    case 'runs_canceled':
      return { kind: 'runs_canceled', action: outcome.action, canceled: outcome.canceled };
    case 'ignored':
      return { kind: 'ignored', reason: outcome.reason };
  }
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}
