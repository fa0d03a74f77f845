/** What a staff retry needs of a finished run: the delivery that started it (docs/domain.md §3.10a). */
import { agentRuns, repositories, webhookDeliveries } from '@stageline/db';
import { eq, sql } from 'drizzle-orm';
import type { Db } from './client.ts';

export interface RetrySource {
  /** GitHub's event name of the original delivery (`issues`, `pull_request`, …). */
  event: string;
  /** The delivery's JSON as stored; null when it was not kept. */
  payloadText: string | null;
  repositoryExternalId: number;
}

export async function retrySource(db: Db, runId: string): Promise<RetrySource | null> {
  const [row] = await db
    .select({ event: webhookDeliveries.event, payloadText: sql<string | null>`(${agentRuns.runPayload} -> 'raw_payload')::text`, repositoryExternalId: repositories.externalId })
    .from(agentRuns)
    .innerJoin(repositories, eq(repositories.id, agentRuns.repositoryId))
    .leftJoin(webhookDeliveries, eq(webhookDeliveries.deliveryId, agentRuns.correlationId))
    .where(eq(agentRuns.id, runId));
  return row === undefined ? null : { event: row.event ?? 'issues', payloadText: row.payloadText, repositoryExternalId: row.repositoryExternalId };
}

export async function runIdByCorrelation(db: Db, correlationId: string): Promise<string | null> {
  const [row] = await db.select({ id: agentRuns.id }).from(agentRuns).where(eq(agentRuns.correlationId, correlationId));
  return row?.id ?? null;
}
