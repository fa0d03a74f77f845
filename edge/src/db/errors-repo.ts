/** What went wrong, for the console's errors screen (docs/domain.md §8.2): refused deliveries and failed runs. */
import { agentRuns, repositories, webhookDeliveries } from '@stageline/db';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { PageCursor } from '../lib/page-cursor.ts';
import type { Db } from './client.ts';
import type { RunRow } from './run-dto.ts';

/** A page of rows and the key of its last row when more follow. */
export interface Page<T> {
  rows: T[];
  next: PageCursor | null;
}

/** Postgres' timestamp with microseconds, as cursors carry it (lib/page-cursor.ts). */
const micros = (column: unknown) => sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

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
 * reason, a page after `after`. A member sees those of their projects'
 * repositories; a platform admin also sees deliveries of repositories bound
 * to no project.
 */
export async function refusedDeliveries(db: Db, projectIds: readonly string[] | null, reason: string | undefined, after: PageCursor | null, limit: number): Promise<Page<RefusedDelivery>> {
  if (projectIds !== null && projectIds.length === 0) {
    return { rows: [], next: null };
  }
  const rows = await db
    .select({
      deliveryId: webhookDeliveries.deliveryId,
      event: webhookDeliveries.event,
      action: webhookDeliveries.action,
      reason: webhookDeliveries.reason,
      repositoryFullName: repositories.fullName,
      receivedAt: webhookDeliveries.receivedAt,
      key: micros(webhookDeliveries.receivedAt),
    })
    .from(webhookDeliveries)
    .leftJoin(repositories, eq(repositories.externalId, webhookDeliveries.repositoryExternalId))
    .where(
      and(
        eq(webhookDeliveries.outcome, 'ignored'),
        reason === undefined ? undefined : eq(webhookDeliveries.reason, reason),
        projectIds === null ? undefined : inArray(repositories.projectId, [...projectIds]),
        after === null ? undefined : sql`(${webhookDeliveries.receivedAt}, ${webhookDeliveries.deliveryId}) < (${after.createdAt}::timestamptz, ${after.id})`,
      ),
    )
    .orderBy(desc(webhookDeliveries.receivedAt), desc(webhookDeliveries.deliveryId))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    rows: page.map(({ key: _key, ...row }) => row),
    next: rows.length > limit && last !== undefined ? { createdAt: last.key, id: last.deliveryId } : null,
  };
}

/** Runs that ended in failure or ran out of time, newest first, a page after `after`. */
export async function failedRuns(db: Db, projectIds: readonly string[] | null, after: PageCursor | null, limit: number): Promise<Page<RunRow>> {
  if (projectIds !== null && projectIds.length === 0) {
    return { rows: [], next: null };
  }
  const rows = await db
    .select({ run: agentRuns, key: micros(agentRuns.createdAt) })
    .from(agentRuns)
    .where(
      and(
        inArray(agentRuns.status, ['failed', 'timed_out']),
        projectIds === null ? undefined : inArray(agentRuns.projectId, [...projectIds]),
        after === null ? undefined : sql`(${agentRuns.createdAt}, ${agentRuns.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`,
      ),
    )
    .orderBy(desc(agentRuns.createdAt), desc(agentRuns.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page.map((r) => r.run), next: rows.length > limit && last !== undefined ? { createdAt: last.key, id: last.run.id } : null };
}
