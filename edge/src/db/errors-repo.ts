/** What went wrong, for the console's errors screen (docs/domain.md §8.2): refused deliveries and failed runs. */
import { agentRuns, repositories, webhookDeliveries } from '@stageline/db';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from './client.ts';
import type { RunRow } from './run-dto.ts';

export interface RefusedDelivery {
  deliveryId: string;
  event: string;
  action: string | null;
  reason: string | null;
  repositoryFullName: string | null;
  receivedAt: Date;
}

/**
 * Deliveries the edge stored but did not act on, newest first, with their
 * reason. A member sees those of their projects' repositories; a platform
 * admin also sees deliveries of repositories bound to no project.
 */
export async function refusedDeliveries(db: Db, projectIds: readonly string[] | null, reason: string | undefined, limit: number): Promise<RefusedDelivery[]> {
  if (projectIds !== null && projectIds.length === 0) {
    return [];
  }
  const rows = await db
    .select({
      deliveryId: webhookDeliveries.deliveryId,
      event: webhookDeliveries.event,
      action: webhookDeliveries.action,
      reason: webhookDeliveries.reason,
      repositoryFullName: repositories.fullName,
      receivedAt: webhookDeliveries.receivedAt,
    })
    .from(webhookDeliveries)
    .leftJoin(repositories, eq(repositories.externalId, webhookDeliveries.repositoryExternalId))
    .where(
      and(
        eq(webhookDeliveries.outcome, 'ignored'),
        reason === undefined ? undefined : eq(webhookDeliveries.reason, reason),
        projectIds === null ? undefined : inArray(repositories.projectId, [...projectIds]),
      ),
    )
    .orderBy(desc(webhookDeliveries.receivedAt))
    .limit(limit);
  return rows;
}

/** Runs that ended in failure or ran out of time, newest first. */
export async function failedRuns(db: Db, projectIds: readonly string[] | null, limit: number): Promise<RunRow[]> {
  if (projectIds !== null && projectIds.length === 0) {
    return [];
  }
  return db
    .select()
    .from(agentRuns)
    .where(and(inArray(agentRuns.status, ['failed', 'timed_out']), projectIds === null ? undefined : inArray(agentRuns.projectId, [...projectIds])))
    .orderBy(desc(agentRuns.createdAt), desc(agentRuns.id))
    .limit(limit);
}
