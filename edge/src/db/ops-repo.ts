/** What the console's operations screens read: the wait queue and the clusters (docs/domain.md §8.3). */
import { agentRuns, clusterAgentInstances, clusters, projects } from '@stageline/db';
import { SLOT_STATUSES, WAIT_STATUSES } from '@stageline/policy';
import { and, asc, count, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import type { RunRow } from './run-dto.ts';

export interface QueueFacts {
  runs: RunRow[];
  /** Clusters with an agent instance whose lease on life has not run out. */
  onlineClusters: Set<string>;
  /** Project id → runs holding a slot now. */
  slotsInUse: Map<string, number>;
  /** Project id → its slot count (null: the default). */
  slots: Map<string, number | null>;
}

/** Every run that waits (pending or `waiting_*`) in the given projects (null: all), oldest first. */
export async function queueFacts(db: Db, projectIds: readonly string[] | null, limit: number, now: Date): Promise<QueueFacts> {
  const scoped = projectIds === null ? undefined : inArray(agentRuns.projectId, [...projectIds]);
  const [runs, online, busy, slots] = await Promise.all([
    db
      .select()
      .from(agentRuns)
      .where(and(inArray(agentRuns.status, ['pending', ...WAIT_STATUSES]), scoped))
      .orderBy(asc(agentRuns.createdAt))
      .limit(limit),
    db.selectDistinct({ clusterId: clusterAgentInstances.clusterId }).from(clusterAgentInstances).where(and(eq(clusterAgentInstances.status, 'active'), gt(clusterAgentInstances.expiresAt, now))),
    db
      .select({ projectId: agentRuns.projectId, n: count() })
      .from(agentRuns)
      .where(and(inArray(agentRuns.status, [...SLOT_STATUSES]), scoped))
      .groupBy(agentRuns.projectId),
    db
      .select({ id: projects.id, slots: projects.slots })
      .from(projects)
      .where(projectIds === null ? undefined : inArray(projects.id, [...projectIds])),
  ]);
  return {
    runs,
    onlineClusters: new Set(online.map((r) => r.clusterId)),
    slotsInUse: new Map(busy.map((b) => [b.projectId, b.n])),
    slots: new Map(slots.map((p) => [p.id, p.slots])),
  };
}

export interface ClusterView {
  id: string;
  name: string;
  createdAt: Date;
  lastSeenAt: Date | null;
  instances: (typeof clusterAgentInstances.$inferSelect)[];
  projects: { id: string; slug: string }[];
  runsHoldingSlots: number;
}

/** Clusters (all, or those the given projects run on) with their agent instances, projects and busy slots. */
export async function clusterViews(db: Db, projectIds: readonly string[] | null): Promise<ClusterView[]> {
  const bound = await db
    .select({ id: projects.id, slug: projects.slug, clusterId: projects.clusterId })
    .from(projects)
    .where(projectIds === null ? undefined : inArray(projects.id, [...projectIds]));
  const clusterIds = projectIds === null ? null : [...new Set(bound.flatMap((p) => (p.clusterId === null ? [] : [p.clusterId])))];
  if (clusterIds !== null && clusterIds.length === 0) {
    return [];
  }
  const [rows, instances, busy] = await Promise.all([
    db.select().from(clusters).where(clusterIds === null ? undefined : inArray(clusters.id, clusterIds)).orderBy(asc(clusters.id)),
    db.select().from(clusterAgentInstances).where(clusterIds === null ? undefined : inArray(clusterAgentInstances.clusterId, clusterIds)),
    db
      .select({ clusterId: agentRuns.clusterId, n: count() })
      .from(agentRuns)
      .where(and(inArray(agentRuns.status, [...SLOT_STATUSES]), clusterIds === null ? undefined : inArray(agentRuns.clusterId, clusterIds)))
      .groupBy(agentRuns.clusterId),
  ]);
  return rows.map((c) => ({
    id: c.id,
    name: c.name,
    createdAt: c.createdAt,
    lastSeenAt: c.lastSeenAt,
    instances: instances.filter((i) => i.clusterId === c.id),
    projects: bound.filter((p) => p.clusterId === c.id).map((p) => ({ id: p.id, slug: p.slug })),
    runsHoldingSlots: busy.find((b) => b.clusterId === c.id)?.n ?? 0,
  }));
}

/** A new cluster with the hash of its agent token; false when the id is taken. */
export async function insertCluster(db: Db, input: { id: string; name: string; tokenHash: string }): Promise<boolean> {
  const rows = await db.insert(clusters).values({ id: input.id, name: input.name, agentTokenHash: input.tokenHash }).onConflictDoNothing().returning({ id: clusters.id });
  return rows.length === 1;
}

/** A new token for a cluster: the old one stops working at once. */
export async function rotateClusterToken(db: Db, id: string, tokenHash: string): Promise<boolean> {
  const rows = await db.update(clusters).set({ agentTokenHash: tokenHash }).where(eq(clusters.id, id)).returning({ id: clusters.id });
  return rows.length === 1;
}

/**
 * Waiting intervals of the runs that waited at some point in [from, to]:
 * created before its end, and not started nor finished before its start.
 */
export async function waitIntervals(db: Db, projectIds: readonly string[] | null, from: Date, to: Date, limit: number): Promise<{ createdAt: Date; startedAt: Date | null; finishedAt: Date | null }[]> {
  if (projectIds !== null && projectIds.length === 0) {
    return [];
  }
  return db
    .select({ createdAt: agentRuns.createdAt, startedAt: agentRuns.startedAt, finishedAt: agentRuns.finishedAt })
    .from(agentRuns)
    .where(
      and(
        lte(agentRuns.createdAt, to),
        sql`coalesce(${agentRuns.startedAt}, ${agentRuns.finishedAt}, 'infinity'::timestamptz) >= ${from.toISOString()}::timestamptz`,
        projectIds === null ? undefined : inArray(agentRuns.projectId, [...projectIds]),
      ),
    )
    .orderBy(asc(agentRuns.createdAt))
    .limit(limit);
}
