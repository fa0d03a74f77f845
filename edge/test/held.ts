/**
 * Deliveries in a repository's WebhookInbox for tests: queued as an outage
 * queues them, and parked by the real drain (routes/staff-held.ts lists those).
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { expect } from 'vitest';
import { webhookInboxOf } from '../src/composition/durable-objects.ts';
import { chunkKeys, enqueued, entryKey, indexKey, META_KEY, parseInboxMeta, splitChunks, type QueuedEntry } from '../src/do/webhook-inbox-state.ts';
import { labeledPayload } from './helpers.ts';

/** Queue deliveries in the repository's inbox as an outage would, each with the stored text given. */
export async function queue(repoExternalId: number | null, texts: { deliveryId: string; text: string }[]): Promise<void> {
  await runInDurableObject(webhookInboxOf(env, repoExternalId), async (_i, state) => {
    let meta = parseInboxMeta(await state.storage.get(META_KEY));
    for (const item of texts) {
      const chunks = splitChunks(item.text, 700);
      const next = enqueued(meta, item.text.length);
      const entry: QueuedEntry = { deliveryId: item.deliveryId, event: 'issues', receivedAt: new Date().toISOString(), bytes: item.text.length, chunks: chunks.length };
      const writes: Record<string, unknown> = { [META_KEY]: next.meta, [entryKey(next.sequence)]: entry, [indexKey(item.deliveryId)]: next.sequence };
      chunkKeys(next.sequence, chunks.length).forEach((key, i) => {
        writes[key] = chunks[i];
      });
      await state.storage.put(writes);
      meta = next.meta;
    }
    await state.storage.setAlarm(Date.now() + 60_000);
  });
}

/** A delivery whose stored text is cut, parked by the real drain: its delivery id, parked sequence, and the text it should have had. */
export async function parkOne(repoExternalId: number | null, issueNumber: number): Promise<{ deliveryId: string; sequence: number; text: string }> {
  const deliveryId = crypto.randomUUID();
  const text = JSON.stringify(labeledPayload({ repoId: repoExternalId ?? undefined, issueNumber }));
  const inbox = webhookInboxOf(env, repoExternalId);
  await queue(repoExternalId, [{ deliveryId, text: text.slice(0, 40) }]);
  expect(await runDurableObjectAlarm(inbox)).toBe(true);
  const sequence = (await inbox.parkedDeliveries(100)).find((p) => p.deliveryId === deliveryId)?.sequence;
  if (sequence === undefined) {
    throw new Error(`delivery ${deliveryId} was not parked`);
  }
  return { deliveryId, sequence, text };
}

/** Put the whole text back under a parked entry's chunks: the cause is fixed. */
export async function repair(repoExternalId: number, sequence: number, text: string): Promise<void> {
  await runInDurableObject(webhookInboxOf(env, repoExternalId), async (_i, state) => {
    const entry = await state.storage.get<QueuedEntry>(`x:${String(sequence).padStart(12, '0')}`);
    const keys = chunkKeys(sequence, entry?.chunks ?? 0);
    const pieces = [text, ...keys.slice(1).map(() => '')];
    await state.storage.put(Object.fromEntries(keys.map((key, i) => [key, pieces[i]])));
  });
}

