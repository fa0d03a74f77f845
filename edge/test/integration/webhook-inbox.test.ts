// The WebhookInbox queue against the real database: deliveries that were
// queued (as during an outage; seeded straight into the object's storage here)
// are drained by the alarm in order, exactly once, and new arrivals line up
// behind them. The outage itself is driven end to end in e2e/tests/webhook-outage.test.ts.
import { agentRuns, flowEvents, webhookDeliveries } from '@stageline/db';
import { and, eq, inArray } from 'drizzle-orm';
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  chunkKeys,
  EMPTY_META,
  entryKey,
  INBOX_LIMITS,
  META_KEY,
  parkedKey,
  parseInboxMeta,
  type QueuedEntry,
} from '../../src/do/webhook-inbox-state.ts';
import type { WebhookInbox } from '../../src/do/webhook-inbox.ts';
import { queue } from '../held.ts';
import { db, labeledPayload, postWebhook, seedCluster } from '../helpers.ts';

type Inbox = DurableObjectStub<WebhookInbox>;

function inboxOf(repoExternalId: number): Inbox {
  return env.WEBHOOK_INBOX.get(env.WEBHOOK_INBOX.idFromName(`repo:${repoExternalId}`));
}

/** Write deliveries into the inbox exactly as it queues them (small chunks, so joining is exercised). */
async function seedQueue(repoExternalId: number, items: { deliveryId: string; payload: unknown }[]): Promise<void> {
  await queue(
    repoExternalId,
    items.map((item) => ({ deliveryId: item.deliveryId, text: JSON.stringify(item.payload) })),
  );
}

async function storedKeys(inbox: Inbox): Promise<string[]> {
  return runInDurableObject(inbox, async (_instance, state) => [...(await state.storage.list()).keys()]);
}

/** Per delivery id: runs, delivery rows, and the webhook.received event ids (their order is the apply order). */
async function applied(ids: string[]) {
  const h = db();
  try {
    const runs = await h.db.select({ id: agentRuns.correlationId }).from(agentRuns).where(inArray(agentRuns.correlationId, ids));
    const deliveries = await h.db.select({ id: webhookDeliveries.deliveryId }).from(webhookDeliveries).where(inArray(webhookDeliveries.deliveryId, ids));
    const events = await h.db
      .select({ id: flowEvents.id, correlationId: flowEvents.correlationId })
      .from(flowEvents)
      .where(and(inArray(flowEvents.correlationId, ids), eq(flowEvents.eventType, 'webhook.received')))
      .orderBy(flowEvents.id);
    const count = (rows: { id: string }[], id: string) => rows.filter((r) => r.id === id).length;
    return {
      perId: ids.map((id) => ({ runs: count(runs, id), deliveries: count(deliveries, id) })),
      order: events.map((e) => e.correlationId),
    };
  } finally {
    await h.close();
  }
}

describe('WebhookInbox queue', () => {
  it('lines new deliveries up behind queued ones and drains them all in order, exactly once', async () => {
    const { repoExternalId } = await seedCluster();
    const inbox = inboxOf(repoExternalId);
    const seeded = [1, 2, 3].map((n) => ({ deliveryId: crypto.randomUUID(), payload: labeledPayload({ repoId: repoExternalId, issueNumber: 300 + n }) }));
    await seedQueue(repoExternalId, seeded);

    // The database is up, but earlier deliveries wait: this one must not overtake them.
    const late = crypto.randomUUID();
    const res = await postWebhook(JSON.stringify(labeledPayload({ repoId: repoExternalId, issueNumber: 304 })), { delivery: late });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'queued', correlationId: late, sequence: 4 });
    // A redelivery of a queued id keeps its place and is not queued twice.
    const second = seeded[1];
    if (second === undefined) {
      throw new Error('no seed');
    }
    const again = await postWebhook(JSON.stringify(second.payload), { delivery: second.deliveryId });
    expect(await again.json()).toEqual({ status: 'queued', correlationId: second.deliveryId, sequence: 2 });

    expect(await runDurableObjectAlarm(inbox)).toBe(true);
    const ids = [...seeded.map((s) => s.deliveryId), late];
    const result = await applied(ids);
    expect(result.perId).toEqual(ids.map(() => ({ runs: 1, deliveries: 1 })));
    expect(result.order).toEqual(ids);
    expect(await storedKeys(inbox)).toEqual([META_KEY]);

    // Drained: a redelivery is a duplicate again, and new deliveries go straight in.
    const replay = await postWebhook(JSON.stringify(second.payload), { delivery: second.deliveryId });
    expect([replay.status, await replay.json()]).toEqual([200, { status: 'duplicate' }]);
    const fresh = await postWebhook(JSON.stringify(labeledPayload({ repoId: repoExternalId, issueNumber: 305 })));
    expect(fresh.status).toBe(202);
    expect(await fresh.json()).toMatchObject({ status: 'accepted' });
  });

  it('pops a queued delivery that was applied already without a second run', async () => {
    const { repoExternalId } = await seedCluster();
    const inbox = inboxOf(repoExternalId);
    const first = { deliveryId: crypto.randomUUID(), payload: labeledPayload({ repoId: repoExternalId, issueNumber: 310 }) };
    expect((await postWebhook(JSON.stringify(first.payload), { delivery: first.deliveryId })).status).toBe(202);
    // e.g. it timed out on the way in, was queued, and committed after all.
    const next = { deliveryId: crypto.randomUUID(), payload: labeledPayload({ repoId: repoExternalId, issueNumber: 311 }) };
    await seedQueue(repoExternalId, [first, next]);
    expect(await runDurableObjectAlarm(inbox)).toBe(true);
    const result = await applied([first.deliveryId, next.deliveryId]);
    expect(result.perId).toEqual([
      { runs: 1, deliveries: 1 },
      { runs: 1, deliveries: 1 },
    ]);
    expect(await storedKeys(inbox)).toEqual([META_KEY]);
  });

  it('applies a queued delivery whose strings hold NUL or a lone surrogate like any other', async () => {
    const { repoExternalId } = await seedCluster();
    const inbox = inboxOf(repoExternalId);
    // As an inbox written before payloads were made safe for jsonb may still hold it.
    const payload = labeledPayload({ repoId: repoExternalId, issueNumber: 320 });
    (payload.issue as { title: string }).title = 'nul \u0000 byte, lone \ud800 surrogate';
    const queued = { deliveryId: crypto.randomUUID(), payload };
    await seedQueue(repoExternalId, [queued]);
    expect(await runDurableObjectAlarm(inbox)).toBe(true);
    expect((await applied([queued.deliveryId])).perId).toEqual([{ runs: 1, deliveries: 1 }]);
    expect(await storedKeys(inbox)).toEqual([META_KEY]);
  });

  it('parks a queued delivery that fails permanently at once, so the next one is applied in the same drain', async () => {
    const { repoExternalId } = await seedCluster();
    const inbox = inboxOf(repoExternalId);
    const bad = { deliveryId: crypto.randomUUID(), payload: labeledPayload({ repoId: repoExternalId, issueNumber: 321 }) };
    const good = { deliveryId: crypto.randomUUID(), payload: labeledPayload({ repoId: repoExternalId, issueNumber: 322 }) };
    await seedQueue(repoExternalId, [bad, good]);
    // The first entry's stored text is cut: it can never be applied (a permanent failure).
    await runInDurableObject(inbox, async (_i, state) => {
      const entry = await state.storage.get<QueuedEntry>(entryKey(1));
      const keys = chunkKeys(1, entry?.chunks ?? 0);
      await state.storage.put(Object.fromEntries(keys.map((key, i) => [key, i === 0 ? '{"action": "labeled",' : ''])));
    });
    expect(await runDurableObjectAlarm(inbox)).toBe(true);
    const result = await applied([bad.deliveryId, good.deliveryId]);
    expect(result.perId).toEqual([
      { runs: 0, deliveries: 0 },
      { runs: 1, deliveries: 1 },
    ]);
    const keys = await storedKeys(inbox);
    expect(keys).toContain(parkedKey(1));
    expect(keys.filter((k) => k.startsWith('q:') || k.startsWith('d:'))).toEqual([]);
    const meta = await runInDurableObject(inbox, async (_i, state) => parseInboxMeta(await state.storage.get(META_KEY)));
    expect(meta).toMatchObject({ count: 0, parked: 1, head: 3, failures: 0 });
  });

  it('answers 503 with Retry-After when the queue of the repository is at its bound', async () => {
    const { repoExternalId } = await seedCluster();
    const inbox = inboxOf(repoExternalId);
    await runInDurableObject(inbox, async (_i, state) => {
      await state.storage.put(META_KEY, { ...EMPTY_META, next: INBOX_LIMITS.maxDeliveries + 1, count: INBOX_LIMITS.maxDeliveries, bytes: 1 });
    });
    const res = await postWebhook(JSON.stringify(labeledPayload({ repoId: repoExternalId, issueNumber: 330 })));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('60');
    expect(await res.json()).toMatchObject({ error: { code: 'unavailable' } });
    await runInDurableObject(inbox, async (_i, state) => {
      await state.storage.deleteAll();
    });
  });
});
