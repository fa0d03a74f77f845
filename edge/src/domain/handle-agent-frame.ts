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
import { appendLogChunk, applyRunEvent, canceledRuns, pendingQueue, queueDepth, renewLeases, runStates, type ApplyOutcome } from '../db/run-repo.ts';
import { toClaimedRuns, type TokenSettings } from './claimed-run.ts';
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
  /** Realtime events committed by this frame, for the Channel fan-out. */
  events: RealtimeEvent[];
  /** Close the connection after sending the replies (version mismatch). */
  close?: { code: number; reason: string };
  /** GitHub writes to queue after the commit (status comment edits). */
  github?: EffectBatch[];
}

const reply = (session: AgentSession, replies: EdgeFrame[], events: RealtimeEvent[] = []): AgentFrameResult => ({ replies, session, events });

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
    case 'heartbeat': {
      const renewed = await renewLeases(deps.db, { clusterId: session.clusterId, owner: session.instanceId, runs: frame.runs, leaseTtlSeconds: deps.leaseTtlSeconds, now: deps.now });
      await touchInstance(deps.db, { instanceId: session.instanceId, now: deps.now, ttlSeconds: deps.instanceTtlSeconds });
      const lost = frame.runs.map((r) => r.runId).filter((id) => !renewed.includes(id));
      // An agent that was away when a run was canceled still supervises its Job: tell it again.
      const cancels: EdgeFrame[] = (await canceledRuns(deps.db, session.clusterId, lost)).map((run) => ({
        type: 'run.cancel',
        runId: run.id,
        epoch: frame.runs.find((r) => r.runId === run.id)?.epoch ?? run.leaseEpoch,
        jobName: run.jobName,
        namespace: run.jobNamespace,
        reason: run.statusReason ?? 'canceled',
      }));
      return reply(session, [...cancels, { type: 'heartbeat.result', ref: frame.id, lost }]);
    }
    case 'log.append': {
      const stored = await appendLogChunk(deps.db, { ...frame, clusterId: session.clusterId, owner: session.instanceId });
      const ack: EdgeFrame =
        stored === 'stale_lease'
          ? { type: 'reject', ref: frame.id, code: 'stale_lease', message: 'lease not held for this run' }
          : { type: 'ack', ref: frame.id, result: stored === 'stored' ? 'applied' : 'noop' };
      return reply(session, [ack]);
    }
    case 'runs.query': {
      const states = await runStates(deps.db, session.clusterId, frame.runIds);
      const runs = frame.runIds.map((runId) => {
        const status = states.get(runId);
        return status === undefined ? { runId, status: 'unknown' as const, active: false } : { runId, status, active: isActiveStatus(status) };
      });
      return reply(session, [{ type: 'runs.state', ref: frame.id, runs }]);
    }
  }
}

async function handleStatus(frame: RunStatusFrame, session: AgentSession, deps: AgentFrameDeps): Promise<AgentFrameResult> {
  if (frame.status === 'running' && (frame.jobName === undefined || frame.namespace === undefined)) {
    return reply(session, [{ type: 'reject', ref: frame.id, code: 'invalid_frame', message: 'running needs jobName and namespace' }]);
  }
  const outcome = await applyRunEvent(deps.db, {
    runId: frame.runId,
    clusterId: session.clusterId,
    event: toRunEvent(frame, session.instanceId),
    actorId: `cluster-agent:${session.instanceId}`,
    now: deps.now,
  });
  if (outcome.kind !== 'applied') {
    return reply(session, [toAck(frame.id, outcome)]);
  }
  const status = statusCommentEffect(outcome.run, deps.consoleUrl ?? null);
  return { ...reply(session, [toAck(frame.id, outcome)], outcome.events), github: status === null ? [] : [status] };
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
