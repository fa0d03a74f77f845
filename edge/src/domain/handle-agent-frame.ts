import { POLICY_VERSION, type RunEvent, type TransitionError } from '@stageline/policy';
import {
  isCompatibleVersion,
  PROTOCOL_VERSION,
  type AgentFrame,
  type ClaimedRun,
  type EdgeFrame,
  type RunStatusFrame,
} from '@stageline/protocol';
import type { Db } from '../db/client.ts';
import { recordInstanceSeen, touchInstance } from '../db/cluster-repo.ts';
import type { RealtimeEvent } from '../db/realtime-repo.ts';
import type { RunRow } from '../db/run-dto.ts';
import { appendLogChunk, applyRunEvent, claimRuns, pendingRunIds, renewLeases, type ApplyOutcome } from '../db/run-repo.ts';

/** What the edge knows about one agent connection (a socket or one HTTP batch). */
export interface AgentSession {
  clusterId: string;
  instanceId: string;
  helloDone: boolean;
}

export interface AgentFrameDeps {
  db: Db;
  now: Date;
  leaseTtlSeconds: number;
  heartbeatIntervalMs: number;
}

export interface AgentFrameResult {
  replies: EdgeFrame[];
  session: AgentSession;
  /** Realtime events committed by this frame, for the Channel fan-out. */
  events: RealtimeEvent[];
  /** Close the connection after sending the replies (version mismatch). */
  close?: { code: number; reason: string };
}

/** Instance liveness TTL (`STAGELINE_CLUSTER_AGENT_INSTANCE_TTL`, Appendix B). */
const INSTANCE_TTL_SECONDS = 60;

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
      const { runs, events } = await claimRuns(deps.db, {
        clusterId: session.clusterId,
        owner: session.instanceId,
        limit: frame.limit,
        leaseTtlSeconds: deps.leaseTtlSeconds,
        now: deps.now,
      });
      return reply(session, [{ type: 'claim.result', ref: frame.id, runs: runs.map(toClaimedRun) }], events);
    }
    case 'run.status': {
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
      return reply(session, [toAck(frame.id, outcome)], outcome.kind === 'applied' ? outcome.events : []);
    }
    case 'heartbeat': {
      await renewLeases(deps.db, { clusterId: session.clusterId, owner: session.instanceId, runs: frame.runs, leaseTtlSeconds: deps.leaseTtlSeconds, now: deps.now });
      await touchInstance(deps.db, { instanceId: session.instanceId, now: deps.now, ttlSeconds: INSTANCE_TTL_SECONDS });
      return reply(session, [{ type: 'ack', ref: frame.id, result: 'applied' }]);
    }
    case 'log.append': {
      const stored = await appendLogChunk(deps.db, { ...frame, clusterId: session.clusterId, owner: session.instanceId });
      const ack: EdgeFrame =
        stored === 'stale_lease'
          ? { type: 'reject', ref: frame.id, code: 'stale_lease', message: 'lease not held for this run' }
          : { type: 'ack', ref: frame.id, result: stored === 'stored' ? 'applied' : 'noop' };
      return reply(session, [ack]);
    }
  }
}

async function handleHello(frame: Extract<AgentFrame, { type: 'hello' }>, session: AgentSession, deps: AgentFrameDeps): Promise<AgentFrameResult> {
  if (!isCompatibleVersion(PROTOCOL_VERSION, frame.protocolVersion) || !isCompatibleVersion(POLICY_VERSION, frame.policyVersion)) {
    return {
      ...reply(session, [
        { type: 'error', ref: frame.id, code: 'version_mismatch', message: `edge speaks protocol ${PROTOCOL_VERSION} / policy ${POLICY_VERSION}` },
      ]),
      close: { code: 4400, reason: 'version mismatch' },
    };
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
    ttlSeconds: INSTANCE_TTL_SECONDS,
  });
  const next = { ...session, helloDone: true };
  const replies: EdgeFrame[] = [
    { type: 'welcome', clusterId: session.clusterId, protocolVersion: PROTOCOL_VERSION, policyVersion: POLICY_VERSION, heartbeatIntervalMs: deps.heartbeatIntervalMs },
  ];
  const pending = await pendingRunIds(deps.db, session.clusterId);
  if (pending.length > 0) {
    replies.push({ type: 'run.available', runIds: pending });
  }
  return reply(next, replies);
}

function toRunEvent(frame: RunStatusFrame, owner: string): RunEvent {
  const who = { owner, epoch: frame.epoch };
  switch (frame.status) {
    case 'running':
      return { kind: 'job_started', ...who, jobName: frame.jobName ?? '', namespace: frame.namespace ?? '' }; // checked above
    case 'succeeded':
      return { kind: 'job_succeeded', ...who };
    case 'failed':
      return { kind: 'job_failed', ...who, reason: frame.reason ?? 'job failed' };
    case 'timed_out':
      return { kind: 'job_timed_out', ...who, reason: frame.reason ?? 'DeadlineExceeded' };
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

export function toClaimedRun(run: RunRow): ClaimedRun {
  return {
    runId: run.id,
    correlationId: run.correlationId,
    epoch: run.leaseEpoch,
    attemptNo: run.attemptNo,
    projectId: run.projectId,
    repositoryFullName: run.repositoryFullName,
    issueNumber: run.issueNumber,
    triggerKind: run.triggerKind,
    triggerLabel: run.triggerLabel,
    agentKey: run.agentKey,
    leaseUntil: (run.leaseUntil ?? new Date(0)).toISOString(),
  };
}
