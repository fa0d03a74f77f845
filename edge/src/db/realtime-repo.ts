import { agentRuns, realtimeEvents } from '@stageline/db';
import { and, asc, eq, gt, max, min } from 'drizzle-orm';
import type { DbOrTx } from './client.ts';
import { toRunDto, type RunDto, type RunRow } from './run-dto.ts';

/** One console event as it travels to the Channel Durable Object and the browser, discriminated on `topic`. */
export type RealtimeEvent = TopicEvent<'run.status', RunStatusPayload> | TopicEvent<'inbox.changed', InboxChangedPayload>;

interface TopicEvent<Topic extends string, Payload> {
  id: number;
  topic: Topic;
  /** The project channel it goes to (`projectScope`); platform admins' channel (`ALL_SCOPE`) gets every event. */
  scope: string;
  payload: Payload;
}

/** `run.status` carries the full latest run, so clients never need a diff. */
export interface RunStatusPayload {
  run: RunDto;
}

/**
 * `inbox.changed`: an approval request or an owner question was created or
 * changed state (docs/domain.md §8.4). Ids and state only, never a target, a
 * question's text or a secret: the console fetches the inbox again, which
 * checks the reader's rights.
 */
export interface InboxChangedPayload {
  kind: 'approval' | 'question';
  id: string;
  run_id: string;
  state: string;
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

/**
 * Append an `inbox.changed` event in the caller's transaction (docs/domain.md
 * §8.4 step 1), on the channel of the request's run's project: the project
 * the inbox reads it under (db/inbox-repo.ts).
 */
export async function appendInboxChangedEvent(tx: DbOrTx, change: { kind: InboxChangedPayload['kind']; id: string; runId: string; state: string }): Promise<RealtimeEvent> {
  const [run] = await tx.select({ projectId: agentRuns.projectId, correlationId: agentRuns.correlationId }).from(agentRuns).where(eq(agentRuns.id, change.runId));
  if (run === undefined) {
    // Requests reference their run (on delete cascade): a missing one is a bug, and the change rolls back with it.
    throw new Error('inbox change of a run that does not exist');
  }
  const payload: InboxChangedPayload = { kind: change.kind, id: change.id, run_id: change.runId, state: change.state };
  const scope = projectScope(run.projectId);
  const [row] = await tx
    .insert(realtimeEvents)
    .values({ topic: 'inbox.changed', scope, projectId: run.projectId, runId: change.runId, correlationId: run.correlationId, payloadJson: payload })
    .returning({ id: realtimeEvents.id });
  if (row === undefined) {
    throw new Error('realtime event insert returned no row');
  }
  return { id: row.id, topic: 'inbox.changed', scope, payload };
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
  // Only this module (and storeDelivery's run.status) writes the table, so a row's topic names its payload.
  return rows.map((r) => (r.topic === 'inbox.changed' ? { id: r.id, topic: 'inbox.changed', scope: r.scope, payload: r.payload as InboxChangedPayload } : { id: r.id, topic: 'run.status', scope: r.scope, payload: r.payload as RunStatusPayload }));
}
