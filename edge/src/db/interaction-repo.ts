/** Agents' messages and questions to people (docs/domain.md §7.5). */
import { interactionRequests } from '@stageline/db';
import { and, asc, eq, lte } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';

export type InteractionRow = typeof interactionRequests.$inferSelect;
export type NewInteraction = typeof interactionRequests.$inferInsert;

/** Insert, or return the request an identical earlier call made (same run, same call key). */
export async function insertInteraction(tx: DbOrTx, values: NewInteraction): Promise<{ row: InteractionRow; created: boolean }> {
  const [row] = await tx.insert(interactionRequests).values(values).onConflictDoNothing().returning();
  if (row !== undefined) {
    return { row, created: true };
  }
  const [existing] = await tx.select().from(interactionRequests).where(and(eq(interactionRequests.runId, values.runId), eq(interactionRequests.callKey, values.callKey)));
  if (existing === undefined) {
    throw new Error('interaction vanished after a conflict');
  }
  return { row: existing, created: false };
}

export async function lockInteraction(tx: DbOrTx, id: string): Promise<InteractionRow | null> {
  const [row] = await tx.select().from(interactionRequests).where(eq(interactionRequests.id, id)).for('update');
  return row ?? null;
}

export async function findInteraction(tx: DbOrTx, id: string): Promise<InteractionRow | null> {
  const [row] = await tx.select().from(interactionRequests).where(eq(interactionRequests.id, id));
  return row ?? null;
}

export async function updateInteraction(tx: DbOrTx, id: string, from: InteractionRow['state'], change: Partial<Pick<InteractionRow, 'state' | 'response' | 'respondedBy' | 'channel' | 'answeredAt'>>): Promise<InteractionRow | null> {
  const [row] = await tx.update(interactionRequests).set(change).where(and(eq(interactionRequests.id, id), eq(interactionRequests.state, from))).returning();
  return row ?? null;
}

export async function overdueInteractions(tx: DbOrTx, now: Date, limit: number): Promise<InteractionRow[]> {
  return tx
    .select()
    .from(interactionRequests)
    .where(and(eq(interactionRequests.state, 'pending'), eq(interactionRequests.kind, 'decision'), lte(interactionRequests.deadlineAt, now)))
    .orderBy(asc(interactionRequests.deadlineAt))
    .limit(limit);
}
