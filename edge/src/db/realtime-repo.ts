import { realtimeEvents } from '@stageline/db';
import { and, asc, eq, gt, max, min } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import { toRunDto, type RunDto, type RunRow } from './run-dto.ts';

/** One console event as it travels to the Channel Durable Object and the browser. */
export interface RealtimeEvent {
  id: number;
  topic: 'run.status';
  /** The project channel it goes to (`projectScope`); platform admins' channel (`ALL_SCOPE`) gets every event. */
  scope: string;
  payload: RunStatusPayload;
}

/** `run.status` carries the full latest run, so clients never need a diff. */
export interface RunStatusPayload {
  run: RunDto;
}

/**
 * Console channels (docs/domain.md §8.4): one per project, so a member's
 * socket only ever carries their projects' events, and one for platform
 * admins that carries all of them.
 */
export const ALL_SCOPE = 'all';

export function projectScope(projectId: string): string {
  return `project:${projectId}`;
}

/** Append a `run.status` event in the caller's transaction (docs/domain.md §8.4 step 1). */
export async function appendRunStatusEvent(tx: DbOrTx, run: RunRow): Promise<RealtimeEvent> {
  const payload = { run: toRunDto(run) };
  const [row] = await tx
    .insert(realtimeEvents)
    .values({
      topic: 'run.status',
      scope: projectScope(run.projectId),
      projectId: run.projectId,
      runId: run.id,
      correlationId: run.correlationId,
      payloadJson: payload,
    })
    .returning({ id: realtimeEvents.id });
  if (row === undefined) {
    throw new Error('realtime event insert returned no row');
  }
  return { id: row.id, topic: 'run.status', scope: projectScope(run.projectId), payload };
}

export async function latestEventId(db: DbOrTx): Promise<number> {
  const [row] = await db.select({ id: max(realtimeEvents.id) }).from(realtimeEvents);
  return row?.id ?? 0;
}

export async function oldestEventId(db: DbOrTx): Promise<number | null> {
  const [row] = await db.select({ id: min(realtimeEvents.id) }).from(realtimeEvents);
  return row?.id ?? null;
}

/** Events of one channel after a cursor, oldest first (`ALL_SCOPE`: every channel's). */
export async function eventsAfter(db: DbOrTx, scope: string, afterId: number, limit: number): Promise<RealtimeEvent[]> {
  const rows = await db
    .select({ id: realtimeEvents.id, topic: realtimeEvents.topic, scope: realtimeEvents.scope, payload: realtimeEvents.payloadJson })
    .from(realtimeEvents)
    .where(scope === ALL_SCOPE ? gt(realtimeEvents.id, afterId) : and(eq(realtimeEvents.scope, scope), gt(realtimeEvents.id, afterId)))
    .orderBy(asc(realtimeEvents.id))
    .limit(limit);
  // Only this module writes the table, and only run.status rows (appendRunStatusEvent, storeDelivery).
  return rows.map((r) => ({ id: r.id, topic: 'run.status', scope: r.scope, payload: r.payload as RunStatusPayload }));
}
