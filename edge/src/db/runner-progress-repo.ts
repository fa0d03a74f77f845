import { agentRuns, runEvents } from '@stageline/db';
import { eq, sql } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import type { RunRow } from './run-dto.ts';

/** One event of the runner's stream as the edge stores it (routes/runner-api.ts validates it). */
export interface RunnerEventRow {
  seq: number;
  kind: string;
  payload: Record<string, unknown>;
}

/** Insert the events not stored yet; returns the sequence numbers that were new (a re-sent batch returns none). */
export async function storeRunnerEvents(db: DbOrTx, run: { id: string; attemptNo: number }, events: readonly RunnerEventRow[]): Promise<Set<number>> {
  if (events.length === 0) {
    return new Set();
  }
  const rows = await db
    .insert(runEvents)
    .values(events.map((e) => ({ runId: run.id, attemptNo: run.attemptNo, seq: e.seq, kind: e.kind, payload: e.payload })))
    .onConflictDoNothing()
    .returning({ seq: runEvents.seq });
  return new Set(rows.map((r) => r.seq));
}

export type ProgressPatch = Partial<Pick<RunRow, 'runnerPhase' | 'runnerReason' | 'branchName' | 'pullRequestNumber' | 'pullRequestUrl' | 'statusLines' | 'progressShownAt'>>;

/** Update what the runner reported; bumps `version` so realtime clients order snapshots. */
export async function updateRunProgress(db: DbOrTx, runId: string, patch: ProgressPatch, now: Date): Promise<RunRow | null> {
  const [row] = await db
    .update(agentRuns)
    .set({ ...patch, version: sql`${agentRuns.version} + 1`, updatedAt: now })
    .where(eq(agentRuns.id, runId))
    .returning();
  return row ?? null;
}

export async function findRunRow(db: DbOrTx, runId: string): Promise<RunRow | null> {
  const [row] = await db.select().from(agentRuns).where(eq(agentRuns.id, runId));
  return row ?? null;
}

/** The runner's events of a run, in order (tests, the console's timeline). */
export async function listRunnerEvents(db: DbOrTx, runId: string): Promise<Array<RunnerEventRow & { attemptNo: number }>> {
  const rows = await db.select().from(runEvents).where(eq(runEvents.runId, runId)).orderBy(runEvents.attemptNo, runEvents.seq);
  return rows.map((r) => ({ attemptNo: r.attemptNo, seq: r.seq, kind: r.kind, payload: r.payload as Record<string, unknown> }));
}
