import { clusterAgentInstances, clusters } from '@stageline/db';
import { eq } from 'drizzle-orm';
import type { Db } from './client.ts';

export async function findClusterByTokenHash(db: Db, tokenHash: string): Promise<{ id: string } | null> {
  const [row] = await db.select({ id: clusters.id }).from(clusters).where(eq(clusters.agentTokenHash, tokenHash));
  return row ?? null;
}

/** Record an agent instance as connected (docs/domain.md §4.6 `cluster_agent_instances`). */
export async function recordInstanceSeen(
  db: Db,
  input: { instanceId: string; clusterId: string; protocolVersion: string; agentVersion: string; now: Date; ttlSeconds: number },
): Promise<void> {
  const expiresAt = new Date(input.now.getTime() + input.ttlSeconds * 1000);
  const row = {
    instanceId: input.instanceId,
    clusterId: input.clusterId,
    protocolVersion: input.protocolVersion,
    agentVersion: input.agentVersion,
    status: 'active' as const,
    connectedAt: input.now,
    heartbeatAt: input.now,
    expiresAt,
  };
  await db
    .insert(clusterAgentInstances)
    .values(row)
    .onConflictDoUpdate({
      target: clusterAgentInstances.instanceId,
      set: { status: 'active', connectedAt: input.now, heartbeatAt: input.now, expiresAt, protocolVersion: input.protocolVersion, agentVersion: input.agentVersion },
    });
  await db.update(clusters).set({ lastSeenAt: input.now }).where(eq(clusters.id, input.clusterId));
}

export async function touchInstance(db: Db, input: { instanceId: string; now: Date; ttlSeconds: number }): Promise<void> {
  await db
    .update(clusterAgentInstances)
    .set({ heartbeatAt: input.now, expiresAt: new Date(input.now.getTime() + input.ttlSeconds * 1000) })
    .where(eq(clusterAgentInstances.instanceId, input.instanceId));
}

export async function markInstanceStopped(db: Db, instanceId: string): Promise<void> {
  await db.update(clusterAgentInstances).set({ status: 'stopped' }).where(eq(clusterAgentInstances.instanceId, instanceId));
}
