import { agentRuns, flowEvents, projects, realtimeEvents, repositories, webhookDeliveries } from '@stageline/db';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from './client.ts';
import { jsonbSafe } from './jsonb.ts';
import { projectScope, type RealtimeEvent } from './realtime-repo.ts';
import { toRunDto, type RunRow } from './run-dto.ts';

export interface KnownRepository {
  id: string;
  projectId: string;
  clusterId: string | null;
  fullName: string;
  /** The project's label names by stable id (empty: the defaults). */
  labelNames: Record<string, string>;
}

export async function findRepository(db: Db, externalId: number): Promise<KnownRepository | null> {
  const [row] = await db
    .select({ id: repositories.id, projectId: repositories.projectId, clusterId: projects.clusterId, fullName: repositories.fullName, labelNames: projects.labelNames })
    .from(repositories)
    .innerJoin(projects, eq(projects.id, repositories.projectId))
    .where(and(eq(repositories.provider, 'github'), eq(repositories.externalId, externalId), isNull(repositories.unboundAt)))
    .limit(1);
  return row ?? null;
}

export interface DeliveryRecord {
  deliveryId: string;
  event: string;
  action: string | null;
  repositoryExternalId: number | null;
  /** The payload as jsonb-safe JSON text (domain/verified-delivery.ts). */
  payloadText: string;
  receivedAt: Date;
}

export type NewRun = Pick<
  RunRow,
  'projectId' | 'repositoryId' | 'clusterId' | 'repositoryFullName' | 'issueNumber' | 'issueUrl' | 'agentKey' | 'triggerKind' | 'triggerLabel' | 'runPayload'
>;

export type StoreOutcome =
  | { kind: 'duplicate' }
  | { kind: 'ignored' }
  | { kind: 'recorded' }
  | { kind: 'accepted'; run: RunRow; events: RealtimeEvent[] };

export type StoreDecision =
  | { kind: 'ignore'; reason: string; reasons: string[] }
  /** Accepted, acted on outside this statement, no run created (an issue close). */
  | { kind: 'record'; reason: string; reasons: string[] }
  | { kind: 'create'; run: NewRun; reasons: string[] };

/** Every column of a new run, set explicitly so the row we return is the row we stored. */
function newRunRow(run: NewRun, id: string, correlationId: string, now: Date): RunRow {
  return {
    ...run,
    id,
    correlationId,
    status: 'pending',
    statusReason: null,
    leaseOwner: null,
    leaseUntil: null,
    leaseEpoch: 0,
    attemptNo: 1,
    jobName: null,
    jobNamespace: null,
    lastHeartbeatAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
    closedAt: null,
    waitReason: null,
    waitTarget: null,
    waitSince: null,
    waitedMs: 0,
    runnerPhase: null,
    runnerReason: null,
    branchName: null,
    pullRequestNumber: null,
    pullRequestUrl: null,
    statusLines: [],
    progressShownAt: null,
    resumePayload: null,
  };
}

function withoutRawPayload(payload: RunRow['runPayload']): Omit<RunRow['runPayload'], 'raw_payload'> {
  const { raw_payload: _, ...rest } = payload;
  return rest;
}

// NUL and lone surrogates (legal in a GitHub payload) are refused by jsonb: see db/jsonb.ts.
const json = (value: unknown) => sql`${JSON.stringify(jsonbSafe(value))}::jsonb`;

/**
 * Persist a verified delivery and, when the policy said so, its run, audit and
 * realtime rows — in ONE statement (data-modifying CTEs are atomic), so the
 * acknowledgement costs one round trip and an acknowledged delivery never
 * lacks its run. Every insert after the first is gated on the delivery row
 * being new: a redelivery (same `X-GitHub-Delivery`) changes nothing.
 */
export async function storeDelivery(db: DbOrTx, delivery: DeliveryRecord, decision: StoreDecision): Promise<StoreOutcome> {
  const now = delivery.receivedAt;
  const run = decision.kind === 'create' ? newRunRow(decision.run, crypto.randomUUID(), delivery.deliveryId, now) : null;
  const audit = {
    delivery_id: delivery.deliveryId,
    event: delivery.event,
    action: delivery.action,
    outcome: decision.kind === 'ignore' ? 'ignored' : 'accepted',
    reason: decision.kind === 'create' ? null : decision.reason,
    reasons: decision.reasons,
    run_id: run?.id ?? null,
  };
  const realtime = run ? { run: toRunDto(run) } : null;
  // A run's raw_payload is its delivery's payload (domain/run-payload.ts): Postgres
  // copies it from the delivery row instead of receiving the text a second time.
  const runPayload = run === null ? null : withoutRawPayload(run.runPayload);
  const result = await db.execute<{ inserted: number; event_id: number | null }>(sql`
    WITH d AS (
      INSERT INTO ${webhookDeliveries} (delivery_id, event, action, repository_external_id, outcome, reason, run_id, payload, received_at)
      VALUES (${delivery.deliveryId}, ${delivery.event}, ${delivery.action}, ${delivery.repositoryExternalId}, ${audit.outcome},
              ${audit.reason}, ${run?.id ?? null}, ${delivery.payloadText}::jsonb, ${now.toISOString()})
      ON CONFLICT (delivery_id) DO NOTHING
      RETURNING delivery_id, payload
    ), r AS (
      INSERT INTO ${agentRuns} (id, correlation_id, project_id, repository_id, cluster_id, repository_full_name, issue_url, agent_key,
                                trigger_kind, trigger_label, issue_number, status, run_payload, lease_epoch, attempt_no, version,
                                created_at, updated_at)
      SELECT ${run?.id ?? null}::uuid, ${run?.correlationId ?? null}, ${run?.projectId ?? null}::uuid, ${run?.repositoryId ?? null}::uuid,
             ${run?.clusterId ?? null}, ${run?.repositoryFullName ?? null}, ${run?.issueUrl ?? null}, ${run?.agentKey ?? null},
             ${run?.triggerKind ?? null}, ${run?.triggerLabel ?? null}, ${run?.issueNumber ?? null}::int, 'pending',
             ${json(runPayload)} || jsonb_build_object('raw_payload', d.payload), 0, 1, 1, ${now.toISOString()}, ${now.toISOString()}
      FROM d WHERE ${run !== null}
      RETURNING id
    ), f AS (
      INSERT INTO ${flowEvents} (correlation_id, actor_type, actor_id, event_type, payload, created_at)
      SELECT ${delivery.deliveryId}, 'system', 'github-webhook', 'webhook.received', ${json(audit)}, ${now.toISOString()} FROM d
    ), e AS (
      INSERT INTO ${realtimeEvents} (topic, scope, project_id, run_id, correlation_id, payload_json, created_at)
      SELECT 'run.status', ${run === null ? null : projectScope(run.projectId)}, ${run?.projectId ?? null}::uuid, r.id, ${delivery.deliveryId}, ${json(realtime)}, ${now.toISOString()}
      FROM r
      RETURNING id
    )
    SELECT (SELECT count(*)::int FROM d) AS inserted, (SELECT id FROM e) AS event_id`);
  const row = result.rows[0];
  if (row === undefined || row.inserted === 0) {
    return { kind: 'duplicate' };
  }
  if (run === null || realtime === null) {
    return decision.kind === 'record' ? { kind: 'recorded' } : { kind: 'ignored' };
  }
  if (row.event_id === null) {
    throw new Error('run insert produced no realtime event');
  }
  return { kind: 'accepted', run, events: [{ id: Number(row.event_id), topic: 'run.status', scope: projectScope(run.projectId), payload: realtime }] };
}
