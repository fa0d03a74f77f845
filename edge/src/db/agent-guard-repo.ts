/**
 * Reads and writes of agent frames that must answer only for the caller's own
 * runs (docs/domain.md §3.5): every agent instance of a cluster presents the
 * same cluster token, so the instance id and the lease epoch are what keep one
 * instance from reading or ending another's runs.
 */
import { agentRuns, flowEvents } from '@stageline/db';
import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import type { RunRow } from './run-dto.ts';
import { applyChange, type ApplyOutcome } from './run-repo.ts';

/** Flow events that hand a lease to an instance; their actor is the new holder (db/claim-repo.ts). */
const LEASE_GRANTS = ['run.claimed', 'run.reclaimed_after_stale_lease'];

/**
 * The instance was granted the run's current epoch. A cancel clears the
 * run's lease owner but keeps the epoch, so for a canceled run the grant in
 * the audit log is what still says who held it.
 */
function grantedTo(owner: string) {
  return sql`EXISTS (SELECT 1 FROM ${flowEvents} f
    WHERE f.correlation_id = ${agentRuns.correlationId}
      AND f.event_type IN (${sql.join(
        LEASE_GRANTS.map((t) => sql`${t}`),
        sql`, `,
      )})
      AND f.actor_id = ${owner}
      AND (f.payload->>'lease_epoch')::int = ${agentRuns.leaseEpoch})`;
}

/**
 * `run.status canceled` from an agent: it confirms that it deleted the Job of
 * a run the edge canceled. On a canceled run at that epoch it changes nothing
 * (every instance of the cluster got the cancel broadcast and may confirm).
 * A live run is canceled only by the instance holding it at that epoch; from
 * anyone else it is a stale lease and nothing changes.
 */
export async function applyAgentCancel(
  db: Db,
  input: { runId: string; clusterId: string; owner: string; epoch: number; reason: string; now: Date },
): Promise<ApplyOutcome> {
  return db.transaction(async (tx) => {
    const [run] = await tx
      .select()
      .from(agentRuns)
      .where(and(eq(agentRuns.id, input.runId), eq(agentRuns.clusterId, input.clusterId)))
      .for('update');
    if (run === undefined) {
      return { kind: 'not_found' } as const;
    }
    const holder = run.status === 'canceled' ? run.leaseEpoch === input.epoch : run.leaseOwner === input.owner && run.leaseEpoch === input.epoch;
    if (!holder) {
      return {
        kind: 'rejected',
        error: { kind: 'stale_lease', expected: { owner: input.owner, epoch: input.epoch }, actual: { owner: run.leaseOwner, epoch: run.leaseEpoch } },
      } as const;
    }
    return applyChange(tx, run, { kind: 'cancel', reason: input.reason }, input.now, `cluster-agent:${input.owner}`);
  });
}

/**
 * Canceled runs among those a heartbeat named, only where the caller held the
 * epoch it named: an agent that missed a cancel is told again; another
 * instance learns nothing about them (no Job or namespace names).
 */
export async function canceledRunsHeldBy(db: Db, input: { clusterId: string; owner: string; runs: readonly { runId: string; epoch: number }[] }): Promise<RunRow[]> {
  if (input.runs.length === 0) {
    return [];
  }
  const rows = await db
    .select()
    .from(agentRuns)
    .where(
      and(
        eq(agentRuns.clusterId, input.clusterId),
        inArray(
          agentRuns.id,
          input.runs.map((r) => r.runId),
        ),
        eq(agentRuns.status, 'canceled'),
        grantedTo(input.owner),
      ),
    );
  return rows.filter((row) => input.runs.some((r) => r.runId === row.id && r.epoch === row.leaseEpoch));
}

/**
 * Running runs the instance holds that its heartbeat did not name: the answer
 * to its claim was lost (or the run did not fit its welcome), so it does not
 * know it holds them. They are handed to it again. Waiting runs are left to
 * the welcome: while a run waits, its agent may rightly have no work on it.
 */
export async function heldRunsNotNamed(db: Db, input: { clusterId: string; owner: string; named: readonly string[]; limit: number }): Promise<RunRow[]> {
  return db
    .select()
    .from(agentRuns)
    .where(
      and(
        eq(agentRuns.clusterId, input.clusterId),
        eq(agentRuns.leaseOwner, input.owner),
        eq(agentRuns.status, 'running'),
        input.named.length === 0 ? undefined : notInArray(agentRuns.id, [...input.named]),
      ),
    )
    .limit(input.limit);
}

/**
 * `runs.query` for the namespace sweeper: the status of the caller's own runs
 * and of runs nobody holds (pending, or never claimed); for a run another
 * instance holds or held, only whether it is active (the sweeper must not
 * delete its namespace) with status `unknown`, exactly as for an id the
 * cluster does not know.
 */
export async function runStatesFor(db: Db, input: { clusterId: string; owner: string; runIds: readonly string[] }): Promise<Map<string, { status: RunRow['status']; own: boolean }>> {
  const rows = await db
    .select({ id: agentRuns.id, status: agentRuns.status, own: sql<boolean>`(${agentRuns.leaseOwner} IS NULL OR ${agentRuns.leaseOwner} = ${input.owner})` })
    .from(agentRuns)
    .where(and(eq(agentRuns.clusterId, input.clusterId), inArray(agentRuns.id, [...input.runIds])));
  return new Map(rows.map((r) => [r.id, { status: r.status, own: r.own }]));
}

/** What minting a renewed run token needs (domain/claimed-run.ts `runTokenInput`). */
export type TokenSource = Pick<RunRow, 'id' | 'leaseEpoch' | 'attemptNo' | 'triggerKind' | 'agentKey'>;

export async function tokenSourcesOf(db: Db, runIds: readonly string[]): Promise<TokenSource[]> {
  if (runIds.length === 0) {
    return [];
  }
  return db
    .select({ id: agentRuns.id, leaseEpoch: agentRuns.leaseEpoch, attemptNo: agentRuns.attemptNo, triggerKind: agentRuns.triggerKind, agentKey: agentRuns.agentKey })
    .from(agentRuns)
    .where(inArray(agentRuns.id, [...runIds]));
}
