import { agentRuns, projects, repositories, webhookDeliveries } from '@stageline/db';
import { and, eq } from 'drizzle-orm';
import type { Db } from './client.ts';
import { appendFlowEvent } from './flow-event-repo.ts';
import { appendRunStatusEvent, type RealtimeEvent } from './realtime-repo.ts';
import type { RunRow } from './run-dto.ts';

export interface KnownRepository {
  id: string;
  projectId: string;
  clusterId: string | null;
  fullName: string;
}

export async function findRepository(db: Db, externalId: number): Promise<KnownRepository | null> {
  const [row] = await db
    .select({ id: repositories.id, projectId: repositories.projectId, clusterId: projects.clusterId, fullName: repositories.fullName })
    .from(repositories)
    .innerJoin(projects, eq(projects.id, repositories.projectId))
    .where(and(eq(repositories.provider, 'github'), eq(repositories.externalId, externalId)))
    .limit(1);
  return row ?? null;
}

export interface DeliveryRecord {
  deliveryId: string;
  event: string;
  action: string | null;
  repositoryExternalId: number | null;
  payload: unknown;
  receivedAt: Date;
}

export type NewRun = Omit<typeof agentRuns.$inferInsert, 'id' | 'status' | 'correlationId'>;

export type StoreOutcome =
  | { kind: 'duplicate' }
  | { kind: 'ignored' }
  | { kind: 'accepted'; run: RunRow; events: RealtimeEvent[] };

/**
 * Persist a verified delivery and, when the policy said so, its run — in ONE
 * transaction, so an acknowledged delivery never lacks its run and a
 * redelivery (same `X-GitHub-Delivery`) changes nothing.
 */
export async function storeDelivery(
  db: Db,
  delivery: DeliveryRecord,
  decision: { kind: 'ignore'; reason: string; reasons: string[] } | { kind: 'create'; run: NewRun; reasons: string[] },
): Promise<StoreOutcome> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(webhookDeliveries)
      .values({
        deliveryId: delivery.deliveryId,
        event: delivery.event,
        action: delivery.action,
        repositoryExternalId: delivery.repositoryExternalId,
        outcome: decision.kind === 'create' ? 'accepted' : 'ignored',
        reason: decision.kind === 'ignore' ? decision.reason : null,
        payload: delivery.payload,
        receivedAt: delivery.receivedAt,
      })
      .onConflictDoNothing()
      .returning({ id: webhookDeliveries.deliveryId });
    if (inserted.length === 0) {
      return { kind: 'duplicate' } as const;
    }
    const audit = {
      correlationId: delivery.deliveryId,
      actorType: 'system' as const,
      actorId: 'github-webhook',
      eventType: 'webhook.received',
      payload: {
        delivery_id: delivery.deliveryId,
        event: delivery.event,
        action: delivery.action,
        outcome: decision.kind === 'create' ? 'accepted' : 'ignored',
        reason: decision.kind === 'ignore' ? decision.reason : null,
        reasons: decision.reasons,
      },
    };
    if (decision.kind === 'ignore') {
      await appendFlowEvent(tx, audit);
      return { kind: 'ignored' } as const;
    }
    const [run] = await tx
      .insert(agentRuns)
      .values({ ...decision.run, correlationId: delivery.deliveryId, status: 'pending' })
      .returning();
    if (run === undefined) {
      throw new Error('run insert returned no row');
    }
    await tx.update(webhookDeliveries).set({ runId: run.id }).where(eq(webhookDeliveries.deliveryId, delivery.deliveryId));
    await appendFlowEvent(tx, { ...audit, payload: { ...audit.payload, run_id: run.id } });
    const event = await appendRunStatusEvent(tx, run);
    return { kind: 'accepted', run, events: [event] } as const;
  });
}
