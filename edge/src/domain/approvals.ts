/**
 * The approval use cases (docs/domain.md §6.4): a control tool asks, a channel
 * decides, the cluster applies, the sweep expires. Each returns its effects
 * as data for the edge's pipeline; the state rules are the policy's
 * (`transitionApproval`, `mayDecide`), the run's wait is the run state
 * machine's (`wait_mcp` / `resume`). Every state a request takes is also an
 * `inbox.changed` console event, written in the same transaction.
 */
import { agentRuns } from '@stageline/db';
import { mayDecide, transitionApproval, type ApprovalChannel, type ApprovalEvent, type ApprovalMode, type ControlTool, type DeciderRole, type ResumePayload } from '@stageline/policy';
import type { EdgeFrame } from '@stageline/protocol';
import { eq } from 'drizzle-orm';
import { queuePushes } from '../db/approver-repo.ts';
import { register, unregister } from '../db/database-registry-repo.ts';
import { insertApproval, latestBySignature, lockApproval, updateApproval, type ApprovalRow } from '../db/approval-repo.ts';
import type { Db } from '../db/client.ts';
import { appendFlowEvent } from '../db/flow-event-repo.ts';
import { appendInboxChangedEvent } from '../db/realtime-repo.ts';
import { applyChange } from '../db/run-repo.ts';
import type { RunRow } from '../db/run-dto.ts';
import { seal, unseal } from '../lib/crypto.ts';
import { realtimeEffects, type Effect } from './effects.ts';
import { endWait, lockRun } from './run-wait.ts';
import { fanOutApproval, runContextOf, settleMessages } from './telegram-fanout.ts';

/** A stable text for a target, so the same target is the same signature whatever the key order. */
export function targetKeyOf(target: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(target).sort().map((k) => [k, target[k] ?? null]));
}

export interface ControlRequest {
  tool: ControlTool;
  action: string;
  targetRef: Record<string, unknown>;
  /** Shown to deciders; never a secret. */
  payload: Record<string, unknown>;
  /** Sealed before it is stored; only the apply frame carries it. */
  secretValue: string | null;
  mode: Exclude<ApprovalMode, 'deny'>;
}

export type ControlOutcome =
  | { kind: 'approval_required'; request: ApprovalRow; created: boolean }
  | { kind: 'applied_before'; request: ApprovalRow }
  | { kind: 'denied_before'; request: ApprovalRow }
  | { kind: 'approved_now'; request: ApprovalRow }
  /** The run already waits on another request: one wait at a time. */
  | { kind: 'busy'; waitingOn: string }
  | { kind: 'not_running'; status: string };

export interface ApprovalKeys {
  dataKey: string;
  ttlSeconds: number;
  /** The console origin, for run links in channel messages. */
  consoleUrl?: string | null;
}


/**
 * The frame that makes the cluster carry out an approved action: write a
 * secret (its value opened only here, in memory, right before it is sent) or
 * create / drop a database.
 */
export async function applyEffect(request: ApprovalRow, run: Pick<RunRow, 'clusterId' | 'leaseOwner'>, dataKey: string): Promise<Effect[]> {
  if (run.clusterId === null) {
    return [];
  }
  if (request.tool === 'database_lifecycle') {
    const t = request.targetRef as { environment?: string; database_name?: string };
    if ((request.action !== 'create' && request.action !== 'delete') || t.environment === undefined || t.database_name === undefined) {
      return [];
    }
    return [{ kind: 'agent_send', clusterId: run.clusterId, instanceId: run.leaseOwner, frame: { type: 'database.apply', requestId: request.id, runId: request.runId, action: request.action, environment: t.environment, database: t.database_name } }];
  }
  if (request.tool !== 'secret_sync' || request.secretEncrypted === null) {
    return [];
  }
  const value = await unseal(dataKey, request.secretEncrypted);
  const t = request.targetRef as { kubernetes_namespace?: string; kubernetes_secret_name?: string; kubernetes_secret_key?: string };
  if (value === null || t.kubernetes_namespace === undefined || t.kubernetes_secret_name === undefined || t.kubernetes_secret_key === undefined) {
    return [];
  }
  const frame: Extract<EdgeFrame, { type: 'secret.apply' }> = { type: 'secret.apply', requestId: request.id, runId: request.runId, namespace: t.kubernetes_namespace, name: t.kubernetes_secret_name, key: t.kubernetes_secret_key, value };
  return [{ kind: 'agent_send', clusterId: run.clusterId, instanceId: run.leaseOwner, frame }];
}

/** A control tool's call: reuse the request with the same signature, or open one and make the run wait on it. */
export async function requestControlAction(db: Db, input: { runId: string; request: ControlRequest; keys: ApprovalKeys; now: Date }): Promise<{ outcome: ControlOutcome; effects: Effect[] }> {
  const { request, now } = input;
  const targetKey = targetKeyOf(request.targetRef);
  return db.transaction(async (tx) => {
    const run = await lockRun(tx, input.runId);
    if (run === null || (run.status !== 'running' && run.status !== 'waiting_mcp')) {
      return { outcome: { kind: 'not_running', status: run?.status ?? 'missing' }, effects: [] };
    }
    const latest = await latestBySignature(tx, { runId: run.id, tool: request.tool, action: request.action, targetKey });
    if (latest !== null) {
      if (latest.state === 'requested' || latest.state === 'approved') {
        return { outcome: { kind: 'approval_required', request: latest, created: false }, effects: [] };
      }
      if (latest.state === 'applied') {
        return { outcome: { kind: 'applied_before', request: latest }, effects: [] };
      }
      if (latest.state === 'denied') {
        return { outcome: { kind: 'denied_before', request: latest }, effects: [] };
      }
      // expired or failed: ask again.
    }
    if (run.status === 'waiting_mcp' && request.mode !== 'none') {
      return { outcome: { kind: 'busy', waitingOn: run.waitTarget ?? '' }, effects: [] };
    }
    const immediate = request.mode === 'none';
    const { row, created } = await insertApproval(tx, {
      runId: run.id,
      projectId: run.projectId,
      correlationId: run.correlationId,
      tool: request.tool,
      action: request.action,
      targetKey,
      targetRef: request.targetRef,
      approvalMode: request.mode,
      state: immediate ? 'approved' : 'requested',
      requestedBy: `agent:${run.agentKey}`,
      payload: request.payload,
      secretEncrypted: request.secretValue === null ? null : await seal(input.keys.dataKey, request.secretValue),
      expiresAt: new Date(now.getTime() + input.keys.ttlSeconds * 1000),
      ...(immediate ? { decidedBy: 'policy:none', decisionChannel: 'system', decidedAt: now } : {}),
    });
    if (!created) {
      return { outcome: { kind: 'approval_required', request: row, created: false }, effects: [] };
    }
    await appendFlowEvent(tx, {
      correlationId: run.correlationId,
      actorType: 'agent',
      actorId: `agent:${run.agentKey}`,
      eventType: 'approval.requested',
      payload: { run_id: run.id, request_id: row.id, tool_name: row.tool, action: row.action, approval_mode: row.approvalMode, target_ref: row.targetRef, expires_at: row.expiresAt.toISOString() },
    });
    const changed = await appendInboxChangedEvent(tx, { kind: 'approval', id: row.id, runId: run.id, state: row.state });
    if (immediate) {
      return { outcome: { kind: 'approved_now', request: row }, effects: [...realtimeEffects([changed]), ...(await applyEffect(row, run, input.keys.dataKey))] };
    }
    const waited = await applyChange(tx, run, { kind: 'wait_mcp', reason: 'approval_pending', target: row.id, owner: run.leaseOwner ?? '', epoch: run.leaseEpoch }, now, `agent:${run.agentKey}`);
    const effects = realtimeEffects([changed, ...(waited.kind === 'applied' ? waited.events : [])]);
    // HTTP approvers may decide `delegated` requests only: only those are pushed to them.
    const pushIds = request.mode === 'delegated' && run.projectId !== null ? await queuePushes(tx, { requestId: row.id, projectId: run.projectId, now }) : [];
    if (pushIds.length > 0) {
      effects.push({ kind: 'deliver_approval_pushes', pushIds });
    }
    const target = String((row.payload as { kubernetes_ref?: unknown }).kubernetes_ref ?? row.targetKey);
    effects.push(...(await fanOutApproval(tx, { id: row.id, projectId: run.projectId, tool: row.tool, action: row.action, mode: row.approvalMode, target, justification: ((row.payload as { justification?: string | null }).justification ?? null) }, runContextOf(run, input.keys.consoleUrl), now)));
    return { outcome: { kind: 'approval_required', request: row, created: true }, effects };
  });
}

const OUTCOME_TEXT: Partial<Record<string, string>> = { approved: '✅ Approved', denied: '⛔ Denied', expired: '⌛ Expired, nobody decided', applied: '✅ Done' };

/** The approval's outcome as the resumed run reads it. */
function approvalResume(r: ApprovalRow): ResumePayload {
  return { kind: 'approval', request_id: r.id, tool_name: r.tool, action: r.action, approval_state: r.state, reason: r.decisionReason, decided_by: r.decidedBy };
}

export type DecideError = { kind: 'not_found' } | { kind: 'forbidden'; mode: string } | { kind: 'already_decided'; request: ApprovalRow } | { kind: 'expired'; request: ApprovalRow };

export interface Decision {
  requestId: string;
  event: Extract<ApprovalEvent, { kind: 'decide' | 'executor_applied' }>;
  /** The decider's right on the request's project. */
  role: DeciderRole;
  /** When set, the request must belong to this project (an HTTP approver's). */
  projectId?: string;
}

/** A channel's decision: checked against the mode, compare-and-set, audited; an approval sends the apply. */
export async function decideApproval(db: Db, decision: Decision, keys: ApprovalKeys, now: Date): Promise<{ ok: true; request: ApprovalRow; effects: Effect[] } | { ok: false; error: DecideError }> {
  return db.transaction(async (tx) => {
    const request = await lockApproval(tx, decision.requestId);
    if (request === null || (decision.projectId !== undefined && request.projectId !== decision.projectId)) {
      return { ok: false, error: { kind: 'not_found' } } as const;
    }
    if (!mayDecide(request.approvalMode as ApprovalMode, decision.role)) {
      return { ok: false, error: { kind: 'forbidden', mode: request.approvalMode } } as const;
    }
    const result = transitionApproval({ state: request.state, expiresAt: request.expiresAt, decidedBy: request.decidedBy }, decision.event, now);
    if (!result.ok) {
      return { ok: false, error: result.refusal.kind === 'expired' ? { kind: 'expired', request } : { kind: 'already_decided', request } } as const;
    }
    const c = result.change;
    const updated = await updateApproval(tx, request.id, request.state, { state: c.state, decidedBy: c.decidedBy ?? null, decisionChannel: c.channel ?? null, decisionReason: c.reason ?? null, decidedAt: now }, now);
    if (updated === null) {
      return { ok: false, error: { kind: 'already_decided', request } } as const;
    }
    await appendFlowEvent(tx, {
      correlationId: request.correlationId,
      actorType: 'human',
      actorId: c.decidedBy ?? 'unknown',
      eventType: c.eventType,
      payload: { run_id: request.runId, request_id: request.id, tool_name: request.tool, action: request.action, approval_mode: request.approvalMode, approval_state: c.state, channel: c.channel ?? null, reason: c.reason ?? null },
    });
    const changed = await appendInboxChangedEvent(tx, { kind: 'approval', id: request.id, runId: request.runId, state: updated.state });
    const effects: Effect[] = [...realtimeEffects([changed]), ...(await settleMessages(tx, { refId: request.id, head: `🔐 ${request.tool} ${request.action}`, outcome: OUTCOME_TEXT[c.state] ?? c.state, by: c.decidedBy ?? null, now }))];
    if (c.state === 'approved') {
      const [run] = await tx.select().from(agentRuns).where(eq(agentRuns.id, request.runId));
      if (run !== undefined) {
        effects.push(...(await applyEffect(updated, run, keys.dataKey)));
      }
    }
    if (c.endsWait) {
      effects.push(...(await endWait(tx, { runId: request.runId, target: request.id, payload: approvalResume(updated), now, actorId: c.decidedBy ?? 'system' })));
    }
    return { ok: true, request: updated, effects } as const;
  });
}

/** The cluster's report of an apply: applied or failed, audited; the run's wait ends. */
export async function recordApplyResult(db: Db, input: { requestId: string; runId: string; clusterId: string; ok: boolean; error: string | null; changed?: boolean; now: Date }): Promise<{ request: ApprovalRow | null; effects: Effect[] }> {
  return db.transaction(async (tx) => {
    const request = await lockApproval(tx, input.requestId);
    if (request === null || request.runId !== input.runId) {
      return { request: null, effects: [] };
    }
    const [run] = await tx.select({ clusterId: agentRuns.clusterId }).from(agentRuns).where(eq(agentRuns.id, request.runId));
    if (run?.clusterId !== input.clusterId) {
      // Another cluster's agent cannot settle this run's request.
      return { request: null, effects: [] };
    }
    const result = transitionApproval({ state: request.state, expiresAt: request.expiresAt, decidedBy: request.decidedBy }, { kind: 'apply_result', ok: input.ok, error: input.error }, input.now);
    if (!result.ok) {
      return { request, effects: [] };
    }
    const c = result.change;
    const database = request.tool === 'database_lifecycle';
    const outcome = { target: database ? 'database' : 'kubernetes', ok: input.ok, ...(input.changed === undefined ? {} : { changed: input.changed }), ...(input.error === null ? {} : { error: input.error }) };
    const updated = await updateApproval(tx, request.id, 'approved', { state: c.state, result: { targets: [outcome] }, ...(c.reason !== undefined ? { decisionReason: c.reason } : {}) }, input.now);
    if (updated === null) {
      return { request, effects: [] };
    }
    const base = { run_id: request.runId, request_id: request.id, tool_name: request.tool, action: request.action };
    const t = request.targetRef as { environment?: string; database_name?: string };
    if (database && input.ok && request.projectId !== null && t.database_name !== undefined && t.environment !== undefined) {
      // The registry follows what the cluster did: a created database is the project's, a dropped one nobody's.
      if (request.action === 'create') {
        await register(tx, { name: t.database_name, projectId: request.projectId, environment: t.environment, requestId: request.id });
      } else if (request.action === 'delete') {
        await unregister(tx, t.database_name);
      }
    }
    await appendFlowEvent(tx, { correlationId: request.correlationId, actorType: 'system', actorId: `cluster:${input.clusterId}`, eventType: database ? 'database.lifecycle.applied' : 'secret.sync.target_applied', payload: { ...base, ...outcome } });
    await appendFlowEvent(tx, { correlationId: request.correlationId, actorType: 'system', actorId: `cluster:${input.clusterId}`, eventType: c.eventType, payload: { ...base, approval_state: c.state, error: input.error } });
    const changed = await appendInboxChangedEvent(tx, { kind: 'approval', id: request.id, runId: request.runId, state: updated.state });
    return { request: updated, effects: [...realtimeEffects([changed]), ...(await endWait(tx, { runId: request.runId, target: request.id, payload: approvalResume(updated), now: input.now, actorId: `cluster:${input.clusterId}` }))] };
  });
}

/** Requests past their deadline → expired, and the runs waiting on them go on (the sweep, every minute). */
export async function expireApproval(db: Db, requestId: string, now: Date): Promise<Effect[]> {
  return db.transaction(async (tx) => {
    const request = await lockApproval(tx, requestId);
    if (request === null) {
      return [];
    }
    const result = transitionApproval({ state: request.state, expiresAt: request.expiresAt, decidedBy: request.decidedBy }, { kind: 'expire' }, now);
    if (!result.ok) {
      return [];
    }
    const c = result.change;
    const updated = await updateApproval(tx, request.id, 'requested', { state: c.state, decidedBy: c.decidedBy ?? null, decisionChannel: 'system', decisionReason: c.reason ?? null, decidedAt: now }, now);
    if (updated === null) {
      return [];
    }
    await appendFlowEvent(tx, { correlationId: request.correlationId, actorType: 'system', actorId: 'system:expiry', eventType: c.eventType, payload: { run_id: request.runId, request_id: request.id, tool_name: request.tool, action: request.action, approval_state: c.state } });
    const changed = await appendInboxChangedEvent(tx, { kind: 'approval', id: request.id, runId: request.runId, state: updated.state });
    const settled = await settleMessages(tx, { refId: request.id, head: `🔐 ${request.tool} ${request.action}`, outcome: OUTCOME_TEXT.expired ?? 'expired', by: null, now });
    return [...realtimeEffects([changed]), ...settled, ...(await endWait(tx, { runId: request.runId, target: request.id, payload: approvalResume(updated), now, actorId: 'system:expiry' }))];
  });
}

/** What an agent (or a decider) may see of a request: never the sealed value. */
export interface ApprovalView {
  request_id: string;
  tool_name: string;
  action: string;
  approval_mode: string;
  approval_state: string;
  target_ref: Record<string, unknown>;
  expires_at: string;
  decided_by: string | null;
  decided_at: string | null;
  channel: ApprovalChannel | null;
  reason: string | null;
  result: Record<string, unknown> | null;
}

export function approvalView(r: ApprovalRow): ApprovalView {
  return {
    request_id: r.id,
    tool_name: r.tool,
    action: r.action,
    approval_mode: r.approvalMode,
    approval_state: r.state,
    target_ref: r.targetRef,
    expires_at: r.expiresAt.toISOString(),
    decided_by: r.decidedBy,
    decided_at: r.decidedAt?.toISOString() ?? null,
    channel: r.decisionChannel as ApprovalChannel | null,
    reason: r.decisionReason,
    result: r.result ?? null,
  };
}
