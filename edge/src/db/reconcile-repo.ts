import { agentRuns, flowEvents, hookRedeliveries, projects, repositories } from '@stageline/db';
import { and, asc, eq, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { PastRedelivery } from '../reconcile/plan-redeliveries.ts';
import type { IssueRun } from '../reconcile/find-missing-runs.ts';
import type { Db } from './client.ts';
import { appendFlowEvent, type FlowEventInput } from './flow-event-repo.ts';

/** Earlier redeliveries of these GUIDs. */
export async function pastRedeliveries(db: Db, guids: readonly string[]): Promise<Map<string, PastRedelivery>> {
  if (guids.length === 0) {
    return new Map();
  }
  const rows = await db.select({ guid: hookRedeliveries.guid, attempts: hookRedeliveries.attempts, lastAttemptAt: hookRedeliveries.lastAttemptAt }).from(hookRedeliveries).where(inArray(hookRedeliveries.guid, [...guids]));
  return new Map(rows.map((r) => [r.guid, { attempts: r.attempts, lastAttemptAt: r.lastAttemptAt.getTime() }]));
}

/**
 * Count one more redelivery of `guid`, unless another reconciler did within
 * `retryAfterMs` or the bound is reached (compare-and-set: two overlapping
 * cron runs never both redeliver). Returns whether this caller may redeliver.
 */
export async function claimRedelivery(
  db: Db,
  d: { guid: string; deliveryId: number; event: string; action: string | null },
  limits: { maxAttempts: number; retryAfterMs: number },
  now: Date,
): Promise<boolean> {
  const before = new Date(now.getTime() - limits.retryAfterMs);
  const rows = await db
    .insert(hookRedeliveries)
    .values({ guid: d.guid, deliveryId: d.deliveryId, event: d.event, action: d.action, attempts: 1, firstAttemptAt: now, lastAttemptAt: now })
    .onConflictDoUpdate({
      target: hookRedeliveries.guid,
      set: { attempts: sql`${hookRedeliveries.attempts} + 1`, deliveryId: d.deliveryId, lastAttemptAt: now },
      setWhere: and(lt(hookRedeliveries.attempts, limits.maxAttempts), lt(hookRedeliveries.lastAttemptAt, before)),
    })
    .returning({ attempts: hookRedeliveries.attempts });
  return rows.length > 0;
}

export interface BoundRepository {
  id: string;
  externalId: number;
  owner: string;
  name: string;
  fullName: string;
  /** Its project's label names (`projects.label_names`): the reconciler reads labels as ingest does. */
  labelNames: Record<string, string>;
}

/** Bound GitHub repositories, oldest binding first, at most `limit`. */
export function boundRepositories(db: Db, limit: number): Promise<BoundRepository[]> {
  return db
    .select({ id: repositories.id, externalId: repositories.externalId, owner: repositories.owner, name: repositories.name, fullName: repositories.fullName, labelNames: projects.labelNames })
    .from(repositories)
    .innerJoin(projects, eq(projects.id, repositories.projectId))
    .where(and(eq(repositories.provider, 'github'), isNull(repositories.unboundAt)))
    .orderBy(asc(repositories.createdAt))
    .limit(limit);
}

/** Every run ever created for these issues of the repository (any status). */
export async function runsOfIssues(db: Db, repositoryId: string, issueNumbers: readonly number[]): Promise<IssueRun[]> {
  if (issueNumbers.length === 0) {
    return [];
  }
  const rows = await db
    .select({ issueNumber: agentRuns.issueNumber, triggerLabel: agentRuns.triggerLabel })
    .from(agentRuns)
    .where(and(eq(agentRuns.repositoryId, repositoryId), isNotNull(agentRuns.issueNumber), inArray(agentRuns.issueNumber, [...issueNumbers])));
  return rows.flatMap((r) => (r.issueNumber === null ? [] : [{ issueNumber: r.issueNumber, triggerLabel: r.triggerLabel }]));
}

/**
 * Append the event unless one of this type already exists for its correlation
 * id; true when written. Two overlapping reconcilers may both write one (the
 * cron runs every few minutes, and a doubled warning is harmless).
 */
export async function appendFlowEventOnce(db: Db, event: FlowEventInput): Promise<boolean> {
  const existing = await db
    .select({ id: flowEvents.id })
    .from(flowEvents)
    .where(and(eq(flowEvents.correlationId, event.correlationId), eq(flowEvents.eventType, event.eventType)))
    .limit(1);
  if (existing.length > 0) {
    return false;
  }
  await appendFlowEvent(db, event);
  return true;
}
