/** HTTP approvers (docs/domain.md §7.1): endpoints, the push queue and seen callback nonces. */
import { approvalCallbackNonces, approvalEndpoints, approvalPushes } from '@stageline/db';
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';

export type EndpointRow = typeof approvalEndpoints.$inferSelect;
export type PushRow = typeof approvalPushes.$inferSelect;

export async function findEndpoint(tx: DbOrTx, id: string): Promise<EndpointRow | null> {
  const [row] = await tx.select().from(approvalEndpoints).where(eq(approvalEndpoints.id, id));
  return row ?? null;
}

/** Queue one push per enabled endpoint of the project; returns the queued ids. */
export async function queuePushes(tx: DbOrTx, input: { requestId: string; projectId: string; now: Date }): Promise<string[]> {
  const endpoints = await tx.select({ id: approvalEndpoints.id }).from(approvalEndpoints).where(and(eq(approvalEndpoints.projectId, input.projectId), eq(approvalEndpoints.enabled, true)));
  if (endpoints.length === 0) {
    return [];
  }
  const rows = await tx
    .insert(approvalPushes)
    .values(endpoints.map((e) => ({ requestId: input.requestId, endpointId: e.id, nextAttemptAt: input.now })))
    .onConflictDoNothing()
    .returning({ id: approvalPushes.id });
  return rows.map((r) => r.id);
}

export async function duePushes(tx: DbOrTx, input: { now: Date; ids?: readonly string[]; limit: number }): Promise<PushRow[]> {
  return tx
    .select()
    .from(approvalPushes)
    .where(and(eq(approvalPushes.state, 'pending'), lte(approvalPushes.nextAttemptAt, input.now), ...(input.ids === undefined ? [] : [inArray(approvalPushes.id, [...input.ids])])))
    .orderBy(asc(approvalPushes.nextAttemptAt))
    .limit(input.limit);
}

export async function recordPush(tx: DbOrTx, id: string, change: Pick<PushRow, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError'>): Promise<void> {
  await tx.update(approvalPushes).set(change).where(eq(approvalPushes.id, id));
}

/** True when the nonce is new (and now recorded); false for a replay. */
export async function claimNonce(tx: DbOrTx, input: { nonce: string; endpointId: string; now: Date }): Promise<boolean> {
  const rows = await tx.insert(approvalCallbackNonces).values({ nonce: input.nonce, endpointId: input.endpointId, seenAt: input.now }).onConflictDoNothing().returning({ nonce: approvalCallbackNonces.nonce });
  return rows.length === 1;
}
