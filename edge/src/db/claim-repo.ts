import { agentRuns, clusterAgentInstances, projects, runLogChunks } from '@stageline/db';
import { HELD_STATUSES, SLOT_STATUSES } from '@stageline/policy';
import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db, Tx } from './client.ts';
import type { RealtimeEvent } from './realtime-repo.ts';
import type { RunRow } from './run-dto.ts';
import { applyChange } from './run-repo.ts';

/** `(...)` of the statuses that take a project slot, for the raw statement below. */
const SLOT_TAKING = sql`(${sql.join(SLOT_STATUSES.map((status) => sql`${status}`), sql`, `)})`;

export interface ClaimInput {
  clusterId: string;
  owner: string;
  limit: number;
  leaseTtlSeconds: number;
  slotsPerProject: number;
  now: Date;
}

export interface ClaimedRow {
  run: RunRow;
  /** The run was taken over from a holder whose lease or instance expired. */
  takeover: boolean;
}

/**
 * Claim work for one agent instance (docs/domain.md §3.5–3.6), in one transaction:
 * 1. take over held runs (running or waiting) whose holder is gone (lease
 *    expired, or its instance stopped heartbeating) — they already hold a slot;
 * 2. then pending runs, fairly: each project's oldest run first, projects
 *    ordered by their last claim (round-robin), only while the project has a
 *    free slot. Project rows are locked first, so two agents claiming at once
 *    cannot both fill the last slot; run rows use SKIP LOCKED.
 * Every claim goes through the pure transition and bumps the fencing epoch.
 */
export async function claimRuns(db: Db, input: ClaimInput): Promise<{ claimed: ClaimedRow[]; events: RealtimeEvent[] }> {
  return db.transaction(async (tx) => {
    const claimed: ClaimedRow[] = [];
    const events: RealtimeEvent[] = [];
    const leaseUntil = new Date(input.now.getTime() + input.leaseTtlSeconds * 1000);
    for (const run of await staleRuns(tx, input)) {
      const applied = await applyChange(tx, run, { kind: 'reclaim', owner: input.owner, leaseUntil, ownerExpired: true }, input.now, input.owner);
      if (applied.kind === 'applied') {
        claimed.push({ run: applied.run, takeover: true });
        events.push(...applied.events);
      }
    }
    const room = input.limit - claimed.length;
    const pending = room > 0 ? await fairPendingRuns(tx, { ...input, limit: room }) : [];
    for (const run of pending) {
      const applied = await applyChange(tx, run, { kind: 'claim', owner: input.owner, leaseUntil }, input.now, input.owner);
      if (applied.kind === 'applied') {
        claimed.push({ run: applied.run, takeover: false });
        events.push(...applied.events);
      }
    }
    const served = [...new Set(pending.map((r) => r.projectId))];
    if (served.length > 0) {
      await tx.update(projects).set({ lastClaimedAt: input.now }).where(inArray(projects.id, served));
    }
    return { claimed, events };
  });
}

/**
 * Held runs of the cluster (running or waiting, policy HELD_STATUSES) whose
 * holder is gone; reclaimed by any live agent. A waiting run keeps its wait.
 */
async function staleRuns(tx: Tx, input: ClaimInput): Promise<RunRow[]> {
  const rows = await tx
    .select({ run: agentRuns })
    .from(agentRuns)
    .leftJoin(clusterAgentInstances, eq(clusterAgentInstances.instanceId, agentRuns.leaseOwner))
    .where(
      and(
        eq(agentRuns.clusterId, input.clusterId),
        inArray(agentRuns.status, [...HELD_STATUSES]),
        // A holder renews its own leases by heartbeat and gets them back in `welcome`.
        ne(agentRuns.leaseOwner, input.owner),
        sql`(${agentRuns.leaseUntil} <= ${input.now.toISOString()}
             OR ${clusterAgentInstances.instanceId} IS NULL
             OR ${clusterAgentInstances.status} = 'stopped'
             OR ${clusterAgentInstances.expiresAt} <= ${input.now.toISOString()})`,
      ),
    )
    .orderBy(asc(agentRuns.startedAt))
    .limit(input.limit)
    .for('update', { of: agentRuns, skipLocked: true });
  return rows.map((r) => r.run);
}

async function fairPendingRuns(tx: Tx, input: ClaimInput): Promise<RunRow[]> {
  // Serialise claimers of this cluster's projects: the slot count below must not race.
  await tx
    .select({ id: projects.id })
    .from(projects)
    .where(eq(projects.clusterId, input.clusterId))
    .orderBy(asc(projects.id))
    .for('update');
  const picked = await tx.execute<{ id: string }>(sql`
    WITH busy AS (
      SELECT project_id, count(*)::int AS n FROM ${agentRuns}
      WHERE cluster_id = ${input.clusterId} AND status IN ${SLOT_TAKING}
      GROUP BY project_id
    ), ranked AS (
      SELECT r.id, r.created_at, p.last_claimed_at,
             row_number() OVER (PARTITION BY r.project_id ORDER BY r.created_at) AS k,
             coalesce(b.n, 0) AS busy, coalesce(p.slots, ${input.slotsPerProject}) AS slots
      FROM ${agentRuns} r
      JOIN ${projects} p ON p.id = r.project_id
      LEFT JOIN busy b ON b.project_id = r.project_id
      WHERE r.cluster_id = ${input.clusterId} AND r.status = 'pending'
    )
    SELECT id FROM ranked WHERE busy + k <= slots
    ORDER BY k, last_claimed_at NULLS FIRST, created_at
    LIMIT ${input.limit}`);
  const ids = picked.rows.map((r) => r.id);
  if (ids.length === 0) {
    return [];
  }
  const rows = await tx
    .select()
    .from(agentRuns)
    .where(and(inArray(agentRuns.id, ids), eq(agentRuns.status, 'pending')))
    .for('update', { skipLocked: true });
  // Keep the fair order computed above.
  return ids.flatMap((id) => rows.filter((r) => r.id === id));
}

/** Runs an instance holds, to resume after a reconnect or restart. */
export async function heldRuns(db: Db, input: { clusterId: string; owner: string }): Promise<RunRow[]> {
  return db
    .select()
    .from(agentRuns)
    .where(and(eq(agentRuns.clusterId, input.clusterId), eq(agentRuns.leaseOwner, input.owner), inArray(agentRuns.status, [...HELD_STATUSES])));
}

/** The stored `agent_settings` of these projects (parsed by the policy), by project id. */
export async function projectAgentSettings(db: Db, projectIds: readonly string[]): Promise<Map<string, unknown>> {
  const ids = [...new Set(projectIds)];
  if (ids.length === 0) {
    return new Map();
  }
  const rows = await db.select({ id: projects.id, agentSettings: projects.agentSettings }).from(projects).where(inArray(projects.id, ids));
  return new Map(rows.map((row) => [row.id, row.agentSettings]));
}

/** Per run: the next chunk seq and the number of lines already stored in its current epoch. */
export async function logProgress(db: Db, runs: readonly RunRow[]): Promise<Map<string, { seq: number; lines: number }>> {
  const progress = new Map<string, { seq: number; lines: number }>();
  if (runs.length === 0) {
    return progress;
  }
  const rows = await db
    .select({
      runId: runLogChunks.runId,
      epoch: runLogChunks.epoch,
      seq: sql<number>`max(${runLogChunks.seq})::int`,
      lines: sql<number>`coalesce(sum(cardinality(${runLogChunks.lines})), 0)::int`,
    })
    .from(runLogChunks)
    .where(inArray(runLogChunks.runId, runs.map((r) => r.id)))
    .groupBy(runLogChunks.runId, runLogChunks.epoch);
  for (const run of runs) {
    const own = rows.find((r) => r.runId === run.id && r.epoch === run.leaseEpoch);
    progress.set(run.id, own ? { seq: own.seq + 1, lines: own.lines } : { seq: 0, lines: 0 });
  }
  return progress;
}
