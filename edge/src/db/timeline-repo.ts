/** A run's history for the console's run page: audit events and the runner's event stream (docs/domain.md §8.2). */
import { flowEvents, runEvents } from '@stageline/db';
import { and, asc, eq, gt, or } from 'drizzle-orm';
import type { Db } from './client.ts';

export type FlowEventRow = typeof flowEvents.$inferSelect;
export type RunEventRow = typeof runEvents.$inferSelect;

/** The run's audit trail, oldest first (a run has tens of these, not thousands). */
export async function flowEventsOf(db: Db, correlationId: string, limit: number): Promise<FlowEventRow[]> {
  return db.select().from(flowEvents).where(eq(flowEvents.correlationId, correlationId)).orderBy(asc(flowEvents.createdAt), asc(flowEvents.id)).limit(limit);
}

/** The runner's events after `(attempt, seq)`, in order; a page of `limit`. */
export async function runEventsAfter(db: Db, runId: string, after: { attemptNo: number; seq: number }, limit: number): Promise<RunEventRow[]> {
  return db
    .select()
    .from(runEvents)
    .where(and(eq(runEvents.runId, runId), or(gt(runEvents.attemptNo, after.attemptNo), and(eq(runEvents.attemptNo, after.attemptNo), gt(runEvents.seq, after.seq)))))
    .orderBy(asc(runEvents.attemptNo), asc(runEvents.seq))
    .limit(limit);
}
