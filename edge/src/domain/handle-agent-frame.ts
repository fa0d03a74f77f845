import { isActiveStatus, POLICY_VERSION, type RunEvent, type TransitionError } from '@stageline/policy';
import {
  isCompatibleVersion,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  type AgentFrame,
  type ClaimedRun,
  type EdgeFrame,
  type RunStatusFrame,
} from '@stageline/protocol';
import { claimRuns, heldRuns } from '../db/claim-repo.ts';
import type { Db } from '../db/client.ts';
import { recordInstanceSeen, touchInstance } from '../db/cluster-repo.ts';
import type { RealtimeEvent } from '../db/realtime-repo.ts';
import { appendLogChunk, applyRunEvent, pendingQueue, queueDepth, renewLeases, type ApplyOutcome } from '../db/run-repo.ts';
import { mintRunToken } from '../auth/run-token.ts';
import { applyAgentCancel, canceledRunsHeldBy, heldRunsNotNamed, runStatesFor, tokenSourcesOf } from '../db/agent-guard-repo.ts';
import { runTokenInput, toClaimedRuns, type TokenSettings } from './claimed-run.ts';
import { recordApplyResult } from './approvals.ts';
import { githubEffects, realtimeEffects, telegramEffects, type Effect } from './effects.ts';
import type { EffectBatch } from './github-port.ts';
import { statusCommentEffect } from './status-effects.ts';

/** What the edge knows about one agent connection (a socket or one HTTP batch). */
export interface AgentSession {
  clusterId: string;
  instanceId: string;
  helloDone: boolean;
}

export interface AgentFrameDeps extends TokenSettings {
  db: Db;
  now: Date;
  leaseTtlSeconds: number;
  heartbeatIntervalMs: number;
  instanceTtlSeconds: number;
  slotsPerProject: number;
  /** Public console URL for links in GitHub comments (STAGELINE_CONSOLE_URL). */
  consoleUrl?: string | null;
}

export interface AgentFrameResult {
  replies: EdgeFrame[];
  session: AgentSession;
  /** What must happen after the commit (realtime events, status comment edits), for the effect pipeline. */
  effects: Effect[];
  /** Close the connection after sending the replies (version mismatch). */
  close?: { code: number; reason: string };
}

const reply = (session: AgentSession, replies: EdgeFrame[], events: readonly RealtimeEvent[] = [], github: readonly (EffectBatch | null)[] = [], telegramCalls: readonly string[] = []): AgentFrameResult => ({
  replies,
  session,
  effects: [...realtimeEffects(events), ...githubEffects(github), ...telegramEffects(telegramCalls)],
});

/**
 * The one place agent frames are interpreted; the AgentHub socket and the HTTP
 * fallback both call it, so polling agents get exactly the socket semantics.
 */
export async function handleAgentFrame(frame: AgentFrame, session: AgentSession, deps: AgentFrameDeps): Promise<AgentFrameResult> {
  if (frame.type === 'hello') {
    return handleHello(frame, session, deps);
  }
  if (!session.helloDone) {
    return reply(session, [{ type: 'error', ref: frame.id, code: 'hello_required', message: 'send hello first' }]);
  }
  switch (frame.type) {
    case 'claim': {
      const { claimed, events } = await claimRuns(deps.db, {
        clusterId: session.clusterId,
        owner: session.instanceId,
        limit: frame.limit,
        leaseTtlSeconds: deps.leaseTtlSeconds,
        slotsPerProject: deps.slotsPerProject,
        now: deps.now,
      });
      const runs = await toClaimedRuns(deps.db, claimed, deps, deps.now);
      const depth = await queueDepth(deps.db, session.clusterId);
      return reply(session, [{ type: 'claim.result', ref: frame.id, runs, queueDepth: depth }], events);
    }
    case 'run.status':
      return handleStatus(frame, session, deps);
    case 'heartbeat':
      return handleHeartbeat(frame, session, deps);
    case 'log.append': {
      const stored = await appendLogChunk(deps.db, { ...frame, clusterId: session.clusterId, owner: session.instanceId });
      const ack: EdgeFrame =
        stored === 'stale_lease'
          ? { type: 'reject', ref: frame.id, code: 'stale_lease', message: 'lease not held for this run' }
          : { type: 'ack', ref: frame.id, result: stored === 'stored' ? 'applied' : 'noop' };
      return reply(session, [ack]);
    }
    case 'runs.query': {
      // Another instance's run reads as `unknown`, only its activity told (db/agent-guard-repo.ts).
      const states = await runStatesFor(deps.db, { clusterId: session.clusterId, owner: session.instanceId, runIds: frame.runIds });
      const runs = frame.runIds.map((runId) => {
        const state = states.get(runId);
        if (state === undefined) {
          return { runId, status: 'unknown' as const, active: false };
        }
        return { runId, status: state.own ? state.status : ('unknown' as const), active: isActiveStatus(state.status) };
      });
      return reply(session, [{ type: 'runs.state', ref: frame.id, runs }]);
    }
    case 'database.applied':
    case 'secret.applied': {
      // Only an agent of the run's cluster settles its request (domain/approvals.ts checks the cluster).
      const { request, effects } = await recordApplyResult(deps.db, { requestId: frame.requestId, runId: frame.runId, clusterId: session.clusterId, ok: frame.ok, error: frame.error ?? null, ...(frame.type === 'database.applied' && frame.changed !== undefined ? { changed: frame.changed } : {}), now: deps.now });
      const ack: EdgeFrame = request === null ? { type: 'reject', ref: frame.id, code: 'not_found', message: 'no such request for this cluster' } : { type: 'ack', ref: frame.id, result: effects.length > 0 || request.state !== 'approved' ? 'applied' : 'noop' };
      return { replies: [ack], session, effects };
    }
  }
}

async function handleStatus(frame: RunStatusFrame, session: AgentSession, deps: AgentFrameDeps): Promise<AgentFrameResult> {
  if (frame.status === 'running' && (frame.jobName === undefined || frame.namespace === undefined)) {
    return reply(session, [{ type: 'reject', ref: frame.id, code: 'invalid_frame', message: 'running needs jobName and namespace' }]);
  }
  const where = { runId: frame.runId, clusterId: session.clusterId, now: deps.now };
  // A cancel carries no lease proof in the policy event: the holder and epoch are checked here.
  const outcome =
    frame.status === 'canceled'
      ? await applyAgentCancel(deps.db, { ...where, owner: session.instanceId, epoch: frame.epoch, reason: frame.reason ?? 'job deleted' })
      : await applyRunEvent(deps.db, { ...where, event: toRunEvent(frame, session.instanceId), actorId: `cluster-agent:${session.instanceId}` });
  if (outcome.kind !== 'applied') {
    return reply(session, [toAck(frame.id, outcome)]);
  }
  const status = statusCommentEffect(outcome.run, deps.consoleUrl ?? null);
  return reply(session, [toAck(frame.id, outcome)], outcome.events, [status], outcome.telegramCalls);
}

/** Room in a heartbeat answer for renewed tokens (the rest of the frame is ids). */
const TOKEN_BUDGET_BYTES = MAX_FRAME_BYTES / 2;

/**
 * Renew the leases the heartbeat names and answer with a fresh run token for
 * each renewed one (the token lives minutes, the lease is what keeps it
 * coming). Canceled runs the caller held are canceled again for an agent that
 * missed it. Runs the caller holds but did not name are handed to it again as
 * a `claim.result`: a claim whose answer was lost (a reply that failed after
 * the claim committed) would otherwise hold a slot with no Job until its
 * lease ran out. The agent ignores a run it already works on (same epoch), so
 * a heartbeat that crossed its own claim's answer starts nothing twice.
 */
async function handleHeartbeat(frame: Extract<AgentFrame, { type: 'heartbeat' }>, session: AgentSession, deps: AgentFrameDeps): Promise<AgentFrameResult> {
  const who = { clusterId: session.clusterId, owner: session.instanceId };
  const renewed = await renewLeases(deps.db, { ...who, runs: frame.runs, leaseTtlSeconds: deps.leaseTtlSeconds, now: deps.now });
  await touchInstance(deps.db, { instanceId: session.instanceId, now: deps.now, ttlSeconds: deps.instanceTtlSeconds });
  const lost = frame.runs.map((r) => r.runId).filter((id) => !renewed.includes(id));
  const cancels: EdgeFrame[] = (await canceledRunsHeldBy(deps.db, { ...who, runs: frame.runs.filter((r) => lost.includes(r.runId)) })).map((run) => ({
    type: 'run.cancel',
    runId: run.id,
    epoch: run.leaseEpoch,
    jobName: run.jobName,
    namespace: run.jobNamespace,
    reason: run.statusReason ?? 'canceled',
  }));
  const replies: EdgeFrame[] = [...cancels];
  const unnamed = await heldRunsNotNamed(deps.db, { ...who, named: frame.runs.map((r) => r.runId), limit: 100 });
  if (unnamed.length > 0) {
    const runs = fitInFrame(await toClaimedRuns(deps.db, unnamed.map((run) => ({ run, takeover: false })), deps, deps.now));
    replies.push({ type: 'claim.result', ref: frame.id, runs });
  }
  // Last: whatever else answers this heartbeat is sent before its result.
  const tokens = await renewedTokens(renewed, deps);
  replies.push({ type: 'heartbeat.result', ref: frame.id, lost, ...(tokens.length > 0 ? { tokens } : {}) });
  return reply(session, replies);
}

/**
 * A token per renewed run, as many as fit in half a frame. The start rotates
 * with the clock, so an agent holding more runs than fit still gets each one
 * renewed within a few heartbeats.
 */
async function renewedTokens(runIds: readonly string[], deps: AgentFrameDeps): Promise<{ runId: string; epoch: number; token: string; expiresAt: string }[]> {
  const sources = await tokenSourcesOf(deps.db, runIds);
  const start = sources.length === 0 ? 0 : Math.floor(deps.now.getTime() / 1000) % sources.length;
  const rotated = [...sources.slice(start), ...sources.slice(0, start)];
  const tokens = [];
  let bytes = 0;
  for (const run of rotated) {
    const minted = await mintRunToken(deps.runTokenKey, runTokenInput(run, deps, deps.now));
    bytes += minted.token.length + 120;
    if (bytes > TOKEN_BUDGET_BYTES) {
      break;
    }
    tokens.push({ runId: run.id, epoch: run.leaseEpoch, token: minted.token, expiresAt: minted.expiresAt.toISOString() });
  }
  return tokens;
}

async function handleHello(frame: Extract<AgentFrame, { type: 'hello' }>, session: AgentSession, deps: AgentFrameDeps): Promise<AgentFrameResult> {
  if (!isCompatibleVersion(PROTOCOL_VERSION, frame.protocolVersion) || !isCompatibleVersion(POLICY_VERSION, frame.policyVersion)) {
    const message = `edge speaks protocol ${PROTOCOL_VERSION} / policy ${POLICY_VERSION}`;
    return { ...reply(session, [{ type: 'error', ref: frame.id, code: 'version_mismatch', message }]), close: { code: 4400, reason: 'version mismatch' } };
  }
  if (frame.instanceId !== session.instanceId) {
    return reply(session, [{ type: 'error', ref: frame.id, code: 'invalid_frame', message: 'hello.instanceId differs from the connection header' }]);
  }
  await recordInstanceSeen(deps.db, {
    instanceId: session.instanceId,
    clusterId: session.clusterId,
    protocolVersion: frame.protocolVersion,
    agentVersion: frame.agentVersion,
    now: deps.now,
    ttlSeconds: deps.instanceTtlSeconds,
  });
  const held = await heldRuns(deps.db, { clusterId: session.clusterId, owner: session.instanceId });
  const replies: EdgeFrame[] = [
    {
      type: 'welcome',
      clusterId: session.clusterId,
      protocolVersion: PROTOCOL_VERSION,
      policyVersion: POLICY_VERSION,
      heartbeatIntervalMs: deps.heartbeatIntervalMs,
      heldRuns: fitInFrame(await toClaimedRuns(deps.db, held.map((run) => ({ run, takeover: false })), deps, deps.now)),
    },
  ];
  const pending = await pendingQueue(deps.db, session.clusterId);
  if (pending.runIds.length > 0) {
    replies.push({ type: 'run.available', runIds: pending.runIds, queueDepth: pending.depth });
  }
  return reply({ ...session, helloDone: true }, replies);
}

function toRunEvent(frame: RunStatusFrame, owner: string): RunEvent {
  const who = { owner, epoch: frame.epoch };
  switch (frame.status) {
    case 'running':
      return { kind: 'job_started', ...who, jobName: frame.jobName ?? '', namespace: frame.namespace ?? '' }; // checked by the caller
    case 'succeeded':
      return { kind: 'job_succeeded', ...who };
    case 'failed':
      return { kind: 'job_failed', ...who, reason: frame.reason ?? 'job failed' };
    case 'timed_out':
      return { kind: 'job_timed_out', ...who, reason: frame.reason ?? 'DeadlineExceeded' };
    case 'canceled':
      // The agent confirms it deleted the Job of a run the edge already canceled.
      return { kind: 'cancel', reason: frame.reason ?? 'job deleted' };
  }
}

function toAck(ref: string, outcome: ApplyOutcome): EdgeFrame {
  switch (outcome.kind) {
    case 'applied':
      return { type: 'ack', ref, result: 'applied' };
    case 'noop':
      return { type: 'ack', ref, result: 'noop' };
    case 'not_found':
      return { type: 'reject', ref, code: 'not_found', message: 'no such run in this cluster' };
    case 'rejected':
      return { type: 'reject', ref, code: outcome.error.kind, message: describe(outcome.error) };
  }
}

function describe(error: TransitionError): string {
  return error.kind === 'stale_lease'
    ? `lease is held by epoch ${error.actual.epoch}, not ${error.expected.epoch}`
    : `cannot apply ${error.event} to a ${error.from} run`;
}

/** Room left in a frame for everything but the held runs (ids, versions, keys). */
const WELCOME_OVERHEAD_BYTES = 4096;

/**
 * As many held runs as fit in one frame, oldest first: an agent drops a frame
 * over MAX_FRAME_BYTES, and a dropped welcome would leave it unwelcomed on
 * every reconnect. Runs left out keep their Jobs; a running agent still
 * supervises and heartbeats them, and a restarted one gets them back as their
 * leases expire and are reclaimed.
 */
function fitInFrame(runs: readonly ClaimedRun[]): ClaimedRun[] {
  const fitting: ClaimedRun[] = [];
  const encoder = new TextEncoder();
  let bytes = WELCOME_OVERHEAD_BYTES;
  for (const run of runs) {
    bytes += encoder.encode(JSON.stringify(run)).length + 1;
    if (bytes > MAX_FRAME_BYTES) {
      break;
    }
    fitting.push(run);
  }
  return fitting;
}
