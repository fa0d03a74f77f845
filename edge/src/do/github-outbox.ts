import { DurableObject } from 'cloudflare:workers';
import { readGitHubAppSettings } from '../env.ts';
import { applyOutboxWrite } from '../github/apply-outbox-write.ts';
import { createGitHubApp, type GitHubApp } from '../github/github-app.ts';
import type { GitHubError } from '../github/rest-transport.ts';
import { observeResponse, parseRateLimitState, recordRequest, type RateLimitState } from '../github/rate-limit-state.ts';
import { createLogger, parseLogLevel } from '../lib/log.ts';
import {
  decideAfterAttempt,
  parseQueuedWrite,
  planStep,
  queueKey,
  toOutboxWrite,
  type DeadWrite,
  type OutboxWriteInput,
  type QueuedWrite,
} from './github-outbox-state.ts';

/** Where a dead letter is kept; `dk:<write key>` names the newest dead letter of a key. */
const deadKeyOf = (seq: number): string => `dead:${queueKey(seq).slice(2)}`;
const deadIndexOf = (key: string): string => `dk:${key}`;

/** Writes per alarm invocation before yielding to a fresh alarm. */
const MAX_WRITES_PER_TURN = 25;

interface Meta {
  installationId: number;
  nextSeq: number;
}

export interface EnqueueResult {
  /** Sequence numbers of the queued writes, in order. */
  seqs: number[];
  /** How many older queued writes with the same key were replaced. */
  coalesced: number;
}

export interface OutboxStatus {
  installationId: number | null;
  queued: { seq: number; key: string; attempts: number; notBefore: number }[];
  dead: DeadWrite[];
  /** Epoch ms of the next alarm, or null when idle. */
  nextAlarm: number | null;
  rate: RateLimitState;
}

/**
 * One per GitHub App installation (`idFromName(String(installationId))`):
 * the ordered, durable queue of content writes (comments, comment edits,
 * labels, reactions) of that installation. Writes land in enqueue order,
 * paced by the installation's rate-limit state; the alarm wakes the queue at
 * the next allowed time. Rules: github-outbox-state.ts.
 */
export class GitHubOutbox extends DurableObject<Env> {
  private readonly log = createLogger({ component: 'github-outbox' }, parseLogLevel(this.env.STAGELINE_LOG_LEVEL));
  private rate: RateLimitState | null = null;
  private app: GitHubApp | null = null;
  private running: Promise<void> | null = null;
  private meta: Meta | null = null;

  /** Queue writes (one RPC keeps their order); the alarm performs them. */
  async enqueue(installationId: number, writes: OutboxWriteInput[]): Promise<EnqueueResult> {
    const storage = this.ctx.storage;
    // Only enqueue advances the sequence, and the object runs one event at a time: memory is authoritative after the first read.
    const meta = (this.meta ??= (await storage.get<Meta>('meta')) ?? { installationId, nextSeq: 1 });
    if (meta.installationId !== installationId) {
      throw new Error(`outbox of installation ${meta.installationId} got a write for ${installationId}`);
    }
    const now = Date.now();
    const inputs = writes.map(toOutboxWrite);
    // One storage read for every key's queued write (a key new by construction simply has none).
    const queuedSeqs = await storage.get<number>([...new Set(inputs.map((w) => `k:${w.key}`))]);
    const puts: Record<string, unknown> = {};
    const deletes: string[] = [];
    const seqs: number[] = [];
    let coalesced = 0;
    for (const write of inputs) {
      const seq = meta.nextSeq++;
      const indexKey = `k:${write.key}`;
      const older = typeof puts[indexKey] === 'number' ? (puts[indexKey] as number) : queuedSeqs.get(indexKey);
      if (older !== undefined) {
        // A newer write for the same key replaces the queued one and goes to the tail.
        deletes.push(queueKey(older));
        delete puts[queueKey(older)];
        coalesced++;
      }
      puts[queueKey(seq)] = { seq, write, attempts: 0, notBefore: 0, enqueuedAt: now } satisfies QueuedWrite;
      puts[indexKey] = seq;
      seqs.push(seq);
    }
    puts.meta = meta;
    // No await in between: both are committed atomically (write coalescing).
    const done = Promise.all([storage.delete(deletes), storage.put(puts)]);
    await done;
    if (this.running !== null) {
      // The turn under way may already have looked at the queue's end: plan again once it is over.
      this.ctx.waitUntil(this.running.then(() => this.schedule(), () => this.schedule()));
    } else if ((await storage.getAlarm()) === null) {
      // An alarm already set is for the head, which is ahead of these writes; the turn it starts goes on to them.
      await this.schedule();
    }
    return { seqs, coalesced };
  }

  /** Run the queue now, as the alarm does; resolves when this turn ends. */
  async drain(): Promise<OutboxStatus> {
    // A turn already under way may have passed the writes queued since; run
    // one more. That turn's failure belongs to its caller (the alarm, which retries).
    await this.running?.catch(() => undefined);
    await this.turn();
    return this.status();
  }

  async status(): Promise<OutboxStatus> {
    const storage = this.ctx.storage;
    const meta = await storage.get<Meta>('meta');
    const queued = [...(await storage.list({ prefix: 'q:' })).values()]
      .map(parseQueuedWrite)
      .filter((q): q is QueuedWrite => q !== null)
      .map((q) => ({ seq: q.seq, key: q.write.key, attempts: q.attempts, notBefore: q.notBefore }));
    const dead = [...(await storage.list<DeadWrite>({ prefix: 'dead:' })).values()];
    return { installationId: meta?.installationId ?? null, queued, dead, nextAlarm: await storage.getAlarm(), rate: await this.loadRate() };
  }

  /**
   * Queue a dead letter again (after what GitHub refused was fixed: a
   * permission granted, an issue restored). It goes to the tail with fresh
   * attempts; when a newer write of its key is queued, that one wins and the
   * dead letter is simply dropped (`superseded`).
   */
  async retryDead(seq: number): Promise<'requeued' | 'superseded' | 'not_found'> {
    const storage = this.ctx.storage;
    const deadKey = deadKeyOf(seq);
    const dead = await storage.get<DeadWrite>(deadKey);
    const meta = (this.meta ??= (await storage.get<Meta>('meta')) ?? null);
    if (dead === undefined || meta === null) {
      return 'not_found';
    }
    // Only the newest dead letter of a key is kept (an older one is dropped when a newer write of the key dies or lands).
    const indexed = (await storage.get<number>(deadIndexOf(dead.write.key))) === seq;
    if ((await storage.get<number>(`k:${dead.write.key}`)) !== undefined) {
      await storage.delete(indexed ? [deadKey, deadIndexOf(dead.write.key)] : [deadKey]);
      return 'superseded';
    }
    const next = meta.nextSeq++;
    // One put and one delete with no await between: committed together (write coalescing).
    const done = Promise.all([
      storage.delete(indexed ? [deadKey, deadIndexOf(dead.write.key)] : [deadKey]),
      storage.put({ [queueKey(next)]: { seq: next, write: dead.write, attempts: 0, notBefore: 0, enqueuedAt: Date.now() } satisfies QueuedWrite, [`k:${dead.write.key}`]: next, meta }),
    ]);
    await done;
    this.log.info('dead github write queued again', { installationId: meta.installationId, seq, newSeq: next, key: dead.write.key, kind: dead.write.kind });
    if (this.running !== null) {
      this.ctx.waitUntil(this.running.then(() => this.schedule(), () => this.schedule()));
    } else {
      await this.schedule();
    }
    return 'requeued';
  }

  /** Drop a dead letter for good; false when it is not there. */
  async discardDead(seq: number): Promise<boolean> {
    const deadKey = deadKeyOf(seq);
    const dead = await this.ctx.storage.get<DeadWrite>(deadKey);
    if (dead === undefined) {
      return false;
    }
    const indexed = (await this.ctx.storage.get<number>(deadIndexOf(dead.write.key))) === seq;
    await this.ctx.storage.delete(indexed ? [deadKey, deadIndexOf(dead.write.key)] : [deadKey]);
    this.log.info('dead github write discarded', { seq });
    return true;
  }

  override async alarm(): Promise<void> {
    await this.turn();
  }

  /** One turn at a time: the alarm and `drain` share it. */
  private turn(): Promise<void> {
    if (this.running === null) {
      this.running = this.work().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async loadRate(): Promise<RateLimitState> {
    if (this.rate === null) {
      this.rate = parseRateLimitState(await this.ctx.storage.get('rate'));
    }
    return this.rate;
  }

  private async head(): Promise<QueuedWrite | undefined> {
    const first = await this.ctx.storage.list({ prefix: 'q:', limit: 1 });
    const raw = first.values().next();
    return raw.done === true ? undefined : (parseQueuedWrite(raw.value) ?? undefined);
  }

  private github(): GitHubApp {
    if (this.app === null) {
      this.app = createGitHubApp({
        settings: readGitHubAppSettings(this.env),
        log: this.log,
        now: Date.now,
        gate: {
          observe: (signal) => {
            const seen = observeResponse(this.rate ?? parseRateLimitState(null), signal, Date.now());
            this.rate = seen.state;
            return seen.hit;
          },
        },
      });
    }
    return this.app;
  }

  /**
   * Set the alarm for the head of the queue (now, later, or none). After a
   * turn the plan is authoritative (`replace`); an enqueue only brings an
   * alarm forward, never postpones one.
   */
  private async schedule(replace = false): Promise<void> {
    const step = planStep(await this.head(), await this.loadRate(), Date.now());
    if (step.kind === 'idle') {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const at = step.kind === 'wait' ? step.until : Date.now();
    const current = replace ? null : await this.ctx.storage.getAlarm();
    if (current === null || current > at) {
      await this.ctx.storage.setAlarm(at);
    }
  }

  private async work(): Promise<void> {
    const storage = this.ctx.storage;
    const meta = await storage.get<Meta>('meta');
    if (meta === undefined) {
      return;
    }
    for (let n = 0; n < MAX_WRITES_PER_TURN; n++) {
      const head = await this.head();
      const step = planStep(head, await this.loadRate(), Date.now());
      if (step.kind !== 'run') {
        break;
      }
      await this.attempt(meta.installationId, step.item);
    }
    await this.schedule(true);
  }

  private async attempt(installationId: number, item: QueuedWrite): Promise<void> {
    const storage = this.ctx.storage;
    const { write } = item;
    const commentKey = `c:${write.key}`;
    this.rate = recordRequest(await this.loadRate(), 'write', Date.now());
    const known = write.kind === 'upsert-comment' ? ((await storage.get<number>(commentKey)) ?? null) : null;
    const result = await applyOutboxWrite(this.github().client, installationId, write, known);
    const attempts = item.attempts + 1;
    const outcome = decideAfterAttempt(write, result.error, attempts, Date.now());
    const fields = { installationId, seq: item.seq, key: write.key, kind: write.kind, attempts };

    const puts: Record<string, unknown> = { rate: this.rate };
    const deletes: string[] = [];
    if (result.commentId !== undefined) {
      puts[commentKey] = result.commentId;
    } else if (result.forgetComment === true) {
      deletes.push(commentKey);
    }
    // A newer write with the same key may have replaced this one meanwhile.
    const stillQueued = (await storage.get(queueKey(item.seq))) !== undefined;
    const indexed = (await storage.get<number>(`k:${write.key}`)) === item.seq;
    // An older dead letter of this key is out of date once a newer write of the key lands or dies: retrying it would undo this one.
    const olderDead = await storage.get<number>(deadIndexOf(write.key));
    if (outcome.kind !== 'retry' && olderDead !== undefined && olderDead < item.seq) {
      // On `dead` the index is overwritten with this write's seq below.
      deletes.push(...(outcome.kind === 'done' ? [deadKeyOf(olderDead), deadIndexOf(write.key)] : [deadKeyOf(olderDead)]));
    }
    switch (outcome.kind) {
      case 'done':
        this.log.info('github write done', fields);
        deletes.push(queueKey(item.seq));
        if (indexed) {
          deletes.push(`k:${write.key}`);
        }
        break;
      case 'retry':
        this.log.warn('github write will be retried', { ...fields, error: result.error?.kind, status: errorStatus(result.error), retryAt: new Date(outcome.notBefore).toISOString() });
        if (stillQueued) {
          puts[queueKey(item.seq)] = { ...item, attempts, notBefore: outcome.notBefore } satisfies QueuedWrite;
        }
        break;
      case 'dead':
        this.log.error('github write rejected; kept as dead letter', { ...fields, error: result.error?.kind, status: errorStatus(result.error) });
        if (result.error !== null) {
          puts[deadKeyOf(item.seq)] = { seq: item.seq, write, error: result.error, attempts, failedAt: Date.now() } satisfies DeadWrite;
          puts[deadIndexOf(write.key)] = item.seq;
        }
        deletes.push(queueKey(item.seq));
        if (indexed) {
          deletes.push(`k:${write.key}`);
        }
        break;
    }
    const done = Promise.all([storage.delete(deletes), storage.put(puts)]);
    await done;
  }
}

function errorStatus(error: GitHubError | null): number | undefined {
  return error !== null && 'status' in error ? error.status : undefined;
}
