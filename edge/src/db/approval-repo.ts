/**
 * Approval requests (docs/domain.md §6.4) in Postgres. Decisions are
 * compare-and-set on the state read under the row lock, so racing channels
 * give one outcome.
 */
import { approvalRequests } from '@stageline/db';
import type { ApprovalState } from '@stageline/policy';
import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';

export type ApprovalRow = typeof approvalRequests.$inferSelect;
export type NewApproval = typeof approvalRequests.$inferInsert;

export interface Signature {
  runId: string;
  tool: string;
  action: string;
  targetKey: string;
}

/** The newest request with this signature, if any. */
export async function latestBySignature(tx: DbOrTx, s: Signature): Promise<ApprovalRow | null> {
  const [row] = await tx
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.runId, s.runId), eq(approvalRequests.tool, s.tool), eq(approvalRequests.action, s.action), eq(approvalRequests.targetKey, s.targetKey)))
    .orderBy(desc(approvalRequests.createdAt))
    .limit(1);
  return row ?? null;
}

/** Insert a request; a concurrent identical call that won the unique index gets that one back instead. */
export async function insertApproval(tx: DbOrTx, values: NewApproval): Promise<{ row: ApprovalRow; created: boolean }> {
  const [row] = await tx.insert(approvalRequests).values(values).onConflictDoNothing().returning();
  if (row !== undefined) {
    return { row, created: true };
  }
  const existing = await latestBySignature(tx, { runId: values.runId, tool: values.tool, action: values.action, targetKey: values.targetKey });
  if (existing === null) {
    throw new Error('approval request vanished after a conflict');
  }
  return { row: existing, created: false };
}

export async function lockApproval(tx: DbOrTx, id: string): Promise<ApprovalRow | null> {
  const [row] = await tx.select().from(approvalRequests).where(eq(approvalRequests.id, id)).for('update');
  return row ?? null;
}

export async function findApproval(tx: DbOrTx, id: string): Promise<ApprovalRow | null> {
  const [row] = await tx.select().from(approvalRequests).where(eq(approvalRequests.id, id));
  return row ?? null;
}

export type ApprovalUpdate = Partial<Pick<ApprovalRow, 'state' | 'decidedBy' | 'decisionChannel' | 'decisionReason' | 'decidedAt' | 'result' | 'secretEncrypted'>>;

/** Write a change if the request is still in `from`; null when another writer moved it first. */
export async function updateApproval(tx: DbOrTx, id: string, from: ApprovalState, change: ApprovalUpdate, now: Date): Promise<ApprovalRow | null> {
  const [row] = await tx
    .update(approvalRequests)
    .set({ ...change, updatedAt: now })
    .where(and(eq(approvalRequests.id, id), eq(approvalRequests.state, from)))
    .returning();
  return row ?? null;
}

/** Open requests past their deadline, oldest first (the expiry sweep). */
export async function overdueApprovals(tx: DbOrTx, now: Date, limit: number): Promise<ApprovalRow[]> {
  return tx
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.state, 'requested'), lte(approvalRequests.expiresAt, now)))
    .orderBy(asc(approvalRequests.expiresAt))
    .limit(limit);
}

/** Approved requests whose apply has not reported back since `before` (the apply is sent again). */
export async function unappliedApprovals(tx: DbOrTx, before: Date, limit: number): Promise<ApprovalRow[]> {
  return tx
    .select()
    .from(approvalRequests)
    .where(and(eq(approvalRequests.state, 'approved'), lte(approvalRequests.updatedAt, before)))
    .orderBy(asc(approvalRequests.updatedAt))
    .limit(limit);
}

/** Pending requests of projects, newest first (the inbox). */
export async function pendingApprovals(tx: DbOrTx, projectIds: readonly string[], limit: number): Promise<ApprovalRow[]> {
  if (projectIds.length === 0) {
    return [];
  }
  return tx
    .select()
    .from(approvalRequests)
    .where(and(inArray(approvalRequests.projectId, [...projectIds]), eq(approvalRequests.state, 'requested')))
    .orderBy(desc(approvalRequests.createdAt))
    .limit(limit);
}

/** Touch `updated_at` so the re-send sweep waits again before the next try. */
export async function touchApproval(tx: DbOrTx, id: string, now: Date): Promise<void> {
  await tx.update(approvalRequests).set({ updatedAt: now, result: sql`${approvalRequests.result}` }).where(eq(approvalRequests.id, id));
}
