import { realtimeEvents } from '@stageline/db';
import { asc, gt, max, min } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import { toRunDto, type RunDto, type RunRow } from './run-dto.ts';

/** One console event as it travels to the Channel Durable Object and the browser. */
export interface RealtimeEvent {
  id: number;
  topic: 'run.status';
  payload: RunStatusPayload;
}

/** `run.status` carries the full latest run, so clients never need a diff. */
export interface RunStatusPayload {
  run: RunDto;
}

/** The console scope: one channel for every run until project RBAC arrives. */
export const GLOBAL_SCOPE = 'global';

/** Append a `run.status` event in the caller's transaction (docs/domain.md §8.4 step 1). */
export async function appendRunStatusEvent(tx: DbOrTx, run: RunRow): Promise<RealtimeEvent> {
  const payload = { run: toRunDto(run) };
  const [row] = await tx
    .insert(realtimeEvents)
    .values({
      topic: 'run.status',
      scope: GLOBAL_SCOPE,
      projectId: run.projectId,
      runId: run.id,
      correlationId: run.correlationId,
      payloadJson: payload,
    })
    .returning({ id: realtimeEvents.id });
  if (row === undefined) {
    throw new Error('realtime event insert returned no row');
  }
  return { id: row.id, topic: 'run.status', payload };
}

export async function latestEventId(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ id: max(realtimeEvents.id) }).from(realtimeEvents);
  return row?.id ?? 0;
}

export async function oldestEventId(db: DbOrTx): Promise<number | null> {
  const [row] = await db.select({ id: min(realtimeEvents.id) }).from(realtimeEvents);
  return row?.id ?? null;
}

export async function eventsAfter(db: DbOrTx, afterId: number, limit: number): Promise<RealtimeEvent[]> {
  const rows = await db
    .select({ id: realtimeEvents.id, topic: realtimeEvents.topic, payload: realtimeEvents.payloadJson })
    .from(realtimeEvents)
    .where(gt(realtimeEvents.id, afterId))
    .orderBy(asc(realtimeEvents.id))
    .limit(limit);
  // Only this module writes the table, and only run.status rows (appendRunStatusEvent, storeDelivery).
  return rows.map((r) => ({ id: r.id, topic: 'run.status', payload: r.payload as RunStatusPayload }));
}
