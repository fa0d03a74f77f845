import { agentRuns, runLogChunks } from '@stageline/db';
import { HELD_STATUSES, isTerminalStatus, NON_TERMINAL_STATUSES, transitionRun, type RunEvent, type RunStatus, type TransitionError } from '@stageline/policy';
import { and, asc, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from './client.ts';
import { appendFlowEvent } from './flow-event-repo.ts';
import { appendRunStatusEvent, type RealtimeEvent } from './realtime-repo.ts';
import type { RunRow } from './run-dto.ts';
import type { PageCursor } from '../lib/page-cursor.ts';
import { withdrawOpenRequests } from './withdraw-requests.ts';


export type ApplyOutcome =
  /** `telegramCalls`: queued Telegram edits of the requests an ending run withdrew, to deliver after the commit. */
  | { kind: 'applied'; run: RunRow; events: RealtimeEvent[]; telegramCalls: string[] }
  | { kind: 'noop'; run: RunRow }
  | { kind: 'rejected'; error: TransitionError }
  | { kind: 'not_found' };

/** Lock one run of the cluster, apply a policy event, write audit + realtime. */
export async function applyRunEvent(
  db: Db,
  input: { runId: string; clusterId: string; event: RunEvent; actorId: string; now: Date },
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
    return applyChange(tx, run, input.event, input.now, input.actorId);
  });
}

export async function applyChange(tx: DbOrTx, run: RunRow, event: RunEvent, now: Date, actorId: string): Promise<ApplyOutcome> {
  const result = transitionRun(
    {
      status: run.status,
      leaseOwner: run.leaseOwner,
      leaseEpoch: run.leaseEpoch,
      jobName: run.jobName,
      namespace: run.jobNamespace,
      leaseUntil: run.leaseUntil,
      waitReason: run.waitReason,
      waitTarget: run.waitTarget,
      waitSince: run.waitSince,
      waitedMs: run.waitedMs,
      attemptNo: run.attemptNo,
    },
    event,
    now,
  );
  if (!result.ok) {
    return { kind: 'rejected', error: result.error };
  }
  const change = result.value;
  if (change.noop) {
    return { kind: 'noop', run };
  }
  const [updated] = await tx
    .update(agentRuns)
    .set({
      status: change.status,
      leaseOwner: change.leaseOwner,
      leaseEpoch: change.leaseEpoch,
      leaseUntil: change.leaseUntil,
      ...(change.startedAt && run.startedAt === null ? { startedAt: change.startedAt } : {}),
      ...(change.finishedAt ? { finishedAt: change.finishedAt } : {}),
      ...(change.closedAt ? { closedAt: change.closedAt } : {}),
      ...(change.jobName ? { jobName: change.jobName, jobNamespace: change.namespace } : {}),
      // A requeued attempt has not started its Job yet (the namespace stays for it).
      ...(change.jobName === null ? { jobName: null } : {}),
      ...(change.statusReason !== undefined ? { statusReason: change.statusReason } : {}),
      ...(change.waitReason !== undefined ? { waitReason: change.waitReason } : {}),
      ...(change.waitTarget !== undefined ? { waitTarget: change.waitTarget } : {}),
      ...(change.waitSince !== undefined ? { waitSince: change.waitSince } : {}),
      ...(change.waitedMs !== undefined ? { waitedMs: change.waitedMs } : {}),
      ...(change.attemptNo !== undefined ? { attemptNo: change.attemptNo } : {}),
      ...(event.kind === 'heartbeat' ? { lastHeartbeatAt: now } : {}),
      version: sql`${agentRuns.version} + 1`,
      updatedAt: now,
    })
    // Compare-and-set: the row is locked, but the guard keeps the write honest.
    .where(and(eq(agentRuns.id, run.id), eq(agentRuns.status, run.status), eq(agentRuns.leaseEpoch, run.leaseEpoch)))
    .returning();
  if (updated === undefined) {
    return { kind: 'rejected', error: { kind: 'invalid_transition', from: run.status, event: event.kind } };
  }
  if (change.eventType === null) {
    return { kind: 'applied', run: updated, events: [], telegramCalls: [] };
  }
  await appendFlowEvent(tx, {
    correlationId: run.correlationId,
    actorType: 'system',
    actorId,
    eventType: change.eventType,
    payload: {
      run_id: run.id,
      status: change.status,
      lease_epoch: change.leaseEpoch,
      reason: change.statusReason ?? null,
      job_name: change.jobName ?? null,
      namespace: change.namespace ?? null,
      ...(change.waitReason !== undefined ? { wait_reason: change.waitReason, wait_target: change.waitTarget ?? null } : {}),
      ...(change.attemptNo !== undefined ? { attempt_no: change.attemptNo } : {}),
    },
  });
  const statusEvent = await appendRunStatusEvent(tx, updated);
  // The run just ended: what it asked people for can no longer be given (db/withdraw-requests.ts).
  const withdrawn = isTerminalStatus(change.status) && !isTerminalStatus(run.status) ? await withdrawOpenRequests(tx, run, `run ${change.status}${change.statusReason ? `: ${change.statusReason}` : ''}`, now) : { events: [], telegramCalls: [] };
  return { kind: 'applied', run: updated, events: [statusEvent, ...withdrawn.events], telegramCalls: withdrawn.telegramCalls };
}

/**
 * Renew the leases an instance still holds, in one statement. The guard is
 * transitionRun's heartbeat rule (same owner, same epoch, not terminal): a
 * waiting run's lease is renewed like a running one's.
 * Returns the run ids whose lease was renewed.
 */
export async function renewLeases(
  db: Db,
  input: { clusterId: string; owner: string; runs: { runId: string; epoch: number }[]; leaseTtlSeconds: number; now: Date },
): Promise<string[]> {
  if (input.runs.length === 0) {
    return [];
  }
  const leaseUntil = new Date(input.now.getTime() + input.leaseTtlSeconds * 1000);
  const ids = input.runs.map((r) => r.runId);
  const rows = await db
    .update(agentRuns)
    .set({ leaseUntil, lastHeartbeatAt: input.now })
    .where(
      and(
        inArray(agentRuns.id, ids),
        eq(agentRuns.clusterId, input.clusterId),
        eq(agentRuns.leaseOwner, input.owner),
        inArray(agentRuns.status, [...HELD_STATUSES]),
        sql`(${agentRuns.id}, ${agentRuns.leaseEpoch}) IN (${sql.join(
          input.runs.map((r) => sql`(${r.runId}::uuid, ${r.epoch}::int)`),
          sql`, `,
        )})`,
      ),
    )
    .returning({ id: agentRuns.id });
  return rows.map((r) => r.id);
}

/**
 * Store one log chunk if the writer holds the run's lease; a re-sent chunk is a
 * no-op. One statement and no row lock: a lock per chunk would make a takeover
 * claim (SKIP LOCKED) skip a run whose old holder is still streaming. A chunk
 * racing a takeover lands under the old epoch, and readers use the newest one.
 */
export async function appendLogChunk(
  db: Db,
  input: { runId: string; clusterId: string; owner: string; epoch: number; seq: number; lines: string[] },
): Promise<'stored' | 'duplicate' | 'stale_lease'> {
  const stored = await db.execute<{ seq: number }>(sql`
    INSERT INTO ${runLogChunks} (run_id, epoch, seq, lines)
    SELECT ${input.runId}::uuid, ${input.epoch}::int, ${input.seq}::int,
           ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(input.lines)}::jsonb))
    WHERE EXISTS (SELECT 1 FROM ${agentRuns} WHERE id = ${input.runId}::uuid AND cluster_id = ${input.clusterId}
                  AND lease_owner = ${input.owner} AND lease_epoch = ${input.epoch}::int)
    ON CONFLICT (run_id, epoch, seq) DO NOTHING
    RETURNING seq`);
  if (stored.rows.length > 0) {
    return 'stored';
  }
  const [owned] = await db
    .select({ id: agentRuns.id })
    .from(agentRuns)
    .where(and(eq(agentRuns.id, input.runId), eq(agentRuns.leaseOwner, input.owner), eq(agentRuns.leaseEpoch, input.epoch)));
  return owned === undefined ? 'stale_lease' : 'duplicate';
}

/** The cluster's oldest pending runs (at most 50) and how many are pending in all. */
export async function pendingQueue(db: Db, clusterId: string): Promise<{ runIds: string[]; depth: number }> {
  const rows = await db
    .select({ id: agentRuns.id, depth: sql<number>`count(*) over ()`.mapWith(Number) })
    .from(agentRuns)
    .where(and(eq(agentRuns.status, 'pending'), eq(agentRuns.clusterId, clusterId)))
    .orderBy(asc(agentRuns.createdAt))
    .limit(50);
  return { runIds: rows.map((r) => r.id), depth: rows[0]?.depth ?? 0 };
}

/** How many runs of the cluster wait to be claimed. */
export async function queueDepth(db: Db, clusterId: string): Promise<number> {
  const rows = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(agentRuns)
    .where(and(eq(agentRuns.status, 'pending'), eq(agentRuns.clusterId, clusterId)));
  return rows[0]?.n ?? 0;
}

/** Canceled runs among these, with the Job the edge recorded (cancel is re-sent to late agents). */
export async function canceledRuns(db: Db, clusterId: string, runIds: readonly string[]): Promise<RunRow[]> {
  if (runIds.length === 0) {
    return [];
  }
  return db
    .select()
    .from(agentRuns)
    .where(and(eq(agentRuns.clusterId, clusterId), inArray(agentRuns.id, [...runIds]), eq(agentRuns.status, 'canceled')));
}

/** Current status of each of these runs of the cluster (for the namespace sweeper). */
export async function runStates(db: Db, clusterId: string, runIds: readonly string[]): Promise<Map<string, RunRow['status']>> {
  const rows = await db
    .select({ id: agentRuns.id, status: agentRuns.status })
    .from(agentRuns)
    .where(and(eq(agentRuns.clusterId, clusterId), inArray(agentRuns.id, [...runIds])));
  return new Map(rows.map((r) => [r.id, r.status]));
}

/** Active runs of one issue of a repository (an issue close cancels them). */
export async function activeRunIdsOfIssue(db: DbOrTx, repositoryId: string, issueNumber: number): Promise<string[]> {
  const rows = await db
    .select({ id: agentRuns.id })
    .from(agentRuns)
    .where(
      and(
        eq(agentRuns.repositoryId, repositoryId),
        eq(agentRuns.issueNumber, issueNumber),
        inArray(agentRuns.status, [...NON_TERMINAL_STATUSES]),
      ),
    );
  return rows.map((r) => r.id);
}

export type CancelOutcome = { kind: 'not_found' } | { kind: 'done'; previous: RunRow; current: RunRow; changed: boolean; events: RealtimeEvent[]; telegramCalls: string[] };

/** Staff cancel (docs/domain.md §3.10): idempotent; a terminal run is reported, not changed. */
export async function cancelRun(db: Db, input: { runId: string; reason: string; actorId: string; now: Date }): Promise<CancelOutcome> {
  return db.transaction((tx) => cancelRunIn(tx, input));
}

/** Cancel one run inside the caller's transaction (a close cancels several atomically with its delivery). */
export async function cancelRunIn(tx: DbOrTx, input: { runId: string; reason: string; actorId: string; now: Date }): Promise<CancelOutcome> {
  const [run] = await tx.select().from(agentRuns).where(eq(agentRuns.id, input.runId)).for('update');
  if (run === undefined) {
    return { kind: 'not_found' };
  }
  const outcome = await applyChange(tx, run, { kind: 'cancel', reason: input.reason }, input.now, input.actorId);
  if (outcome.kind === 'applied') {
    return { kind: 'done', previous: run, current: outcome.run, changed: true, events: outcome.events, telegramCalls: outcome.telegramCalls };
  }
  return { kind: 'done', previous: run, current: run, changed: false, events: [], telegramCalls: [] };
}

/** One page of the newest epoch's log chunks after `afterSeq`, oldest first. */
export async function readLogPage(db: Db, runId: string, afterSeq: number, maxChunks: number): Promise<{ seq: number; lines: string[] }[]> {
  return db
    .select({ seq: runLogChunks.seq, lines: runLogChunks.lines })
    .from(runLogChunks)
    .where(
      and(
        eq(runLogChunks.runId, runId),
        sql`${runLogChunks.seq} > ${afterSeq}`,
        sql`${runLogChunks.epoch} = (SELECT max(epoch) FROM ${runLogChunks} WHERE run_id = ${runId})`,
      ),
    )
    .orderBy(asc(runLogChunks.seq))
    .limit(maxChunks);
}

/** What the staff run list may be narrowed to (docs/domain.md §8.2); every field is optional but `projectIds`. */
export interface RunFilter {
  /** The caller's readable projects; null: every project (a platform admin). */
  projectIds: readonly string[] | null;
  projectId?: string;
  statuses?: readonly RunStatus[];
  labels?: readonly string[];
  repository?: string;
  agentKey?: string;
  waitReason?: string;
  clusterId?: string;
  createdFrom?: Date;
  createdTo?: Date;
}

/**
 * One page of runs, newest first by `(created_at, id)` (the
 * `agent_runs_created_idx` / `agent_runs_project_created_idx` order), after a
 * cursor. Asks for one row more than the page to know whether another follows.
 */
export async function pageRuns(db: Db, filter: RunFilter, after: PageCursor | null, limit: number): Promise<{ rows: RunRow[]; next: PageCursor | null }> {
  if (filter.projectIds !== null && filter.projectIds.length === 0) {
    return { rows: [], next: null };
  }
  const where = and(
    filter.projectIds === null ? undefined : inArray(agentRuns.projectId, [...filter.projectIds]),
    filter.projectId === undefined ? undefined : eq(agentRuns.projectId, filter.projectId),
    filter.statuses === undefined ? undefined : inArray(agentRuns.status, [...filter.statuses]),
    filter.labels === undefined ? undefined : inArray(agentRuns.triggerLabel, [...filter.labels]),
    filter.repository === undefined ? undefined : eq(agentRuns.repositoryFullName, filter.repository),
    filter.agentKey === undefined ? undefined : eq(agentRuns.agentKey, filter.agentKey),
    filter.waitReason === undefined ? undefined : eq(agentRuns.waitReason, filter.waitReason),
    filter.clusterId === undefined ? undefined : eq(agentRuns.clusterId, filter.clusterId),
    filter.createdFrom === undefined ? undefined : gte(agentRuns.createdAt, filter.createdFrom),
    filter.createdTo === undefined ? undefined : lt(agentRuns.createdAt, filter.createdTo),
    after === null ? undefined : sql`(${agentRuns.createdAt}, ${agentRuns.id}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`,
  );
  const rows = await db
    .select({ run: agentRuns, key: sql<string>`to_char(${agentRuns.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` })
    .from(agentRuns)
    .where(where)
    .orderBy(desc(agentRuns.createdAt), desc(agentRuns.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page.map((r) => r.run), next: rows.length > limit && last !== undefined ? { createdAt: last.key, id: last.run.id } : null };
}

export async function findRun(db: Db, runId: string): Promise<RunRow | null> {
  const [row] = await db.select().from(agentRuns).where(eq(agentRuns.id, runId));
  return row ?? null;
}

export async function readLogTail(db: Db, runId: string, tailLines: number): Promise<string[]> {
  // A new claim epoch re-ships the pod log from the start, so only the newest
  // epoch is read; newest chunks first until enough lines, then restore order.
  const chunks = await db
    .select({ lines: runLogChunks.lines })
    .from(runLogChunks)
    .where(
      and(
        eq(runLogChunks.runId, runId),
        sql`${runLogChunks.epoch} = (SELECT max(epoch) FROM ${runLogChunks} WHERE run_id = ${runId})`,
      ),
    )
    .orderBy(desc(runLogChunks.seq))
    .limit(tailLines);
  const lines: string[] = [];
  for (const chunk of chunks) {
    lines.unshift(...chunk.lines);
    if (lines.length >= tailLines) {
      break;
    }
  }
  return lines.slice(-tailLines);
}
