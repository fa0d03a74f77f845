/**
 * The agent's side of the edge protocol (protocol/src/frames.ts), over the
 * socket when it is up and over HTTP polling when it is not.
 *
 * CONNECTION FLOW
 *   socket open ─► hello{observedJobs} ─► welcome ─► versions compatible?
 *       no  ─► log error, send nothing else, never claim (no cluster mutation)
 *       yes ─► re-send every unacked outbox frame (same ids) ─► claim if capacity
 *   run.available / reconcile tick / a run finished ─► claim (one in flight)
 *   claim.result ─► handler.onClaimed      ack ─► drop from outbox
 *   reject ─► drop; handler.onRefused (lease lost?)      error ─► log, drop
 *   every heartbeatIntervalMs while welcomed ─► heartbeat{held runs} (not kept)
 *   socket down ─► every reconcile interval POST [hello, ...outbox, heartbeat, claim]
 */
import { POLICY_VERSION } from '@stageline/policy';
import {
  encodeFrame,
  isCompatibleVersion,
  PROTOCOL_VERSION,
  type AgentFrame,
  type ClaimedRun,
  type EdgeFrame,
  type ErrorCode,
  type HelloFrame,
  type ObservedJob,
} from '@stageline/protocol';
import type { Logger } from '../lib/log.ts';
import { AGENT_VERSION } from '../version.ts';
import { createBackoff, type BackoffPolicy } from './backoff.ts';
import { startEdgeSocket, type EdgeSocket } from './edge-socket.ts';
import type { NextFrameId } from './frame-ids.ts';
import { postFrames } from './http-fallback.ts';
import type { Outbox, OutboxFrame, OutboxFrameBody } from './outbox.ts';

/** What the session needs from the dispatcher. */
export interface SessionHandler {
  observedJobs(): Promise<ObservedJob[]>;
  /** How many more runs this agent takes now. */
  capacity(): number;
  /** Runs whose leases the heartbeat keeps alive. */
  heldRuns(): Array<{ runId: string; epoch: number }>;
  onClaimed(runs: ClaimedRun[]): void;
  /** The edge refused one of our run frames (a stale lease, an impossible transition). */
  onRefused(frame: OutboxFrame, code: ErrorCode, message: string): void;
}

/** What the dispatcher needs from the session. */
export interface FrameSink {
  /** Queue a run frame; it is sent now if possible and re-sent until acknowledged. */
  enqueue(frame: OutboxFrameBody): void;
  /** Ask the edge for work (coalesced with a claim already in flight). */
  requestClaim(): void;
  /** Forget unsent frames of a run we no longer hold. */
  discardRun(runId: string, epoch: number): void;
}

export interface EdgeSessionOptions {
  socketUrl: string;
  framesUrl: string;
  clusterToken: string;
  instanceId: string;
  claimLimit: number;
  reconcileIntervalMs: number;
  /** Used until the edge's welcome names its own. */
  heartbeatIntervalMs: number;
  log: Logger;
  outbox: Outbox;
  nextId: NextFrameId;
  random: () => number;
  backoff?: BackoffPolicy;
  fetch?: typeof fetch;
  onWelcome?: (clusterId: string) => void;
}

export interface EdgeSession extends FrameSink {
  /** Connect and serve `handler` until `signal` aborts. */
  run(handler: SessionHandler, signal: AbortSignal): Promise<void>;
  /** Whether the last welcome had compatible versions (undefined before any welcome). */
  isCompatible(): boolean | undefined;
}

/** A claim without an answer is forgotten after this long (the edge may have lost it). */
const CLAIM_TIMEOUT_MS = 30_000;
/** An outbox frame without an answer is sent again after this long, even on a healthy socket. */
const ACK_TIMEOUT_MS = 30_000;
/** Error codes meaning the frame itself is bad: sending it again cannot help. */
const UNSENDABLE: ReadonlySet<ErrorCode> = new Set(['malformed_frame', 'unknown_frame', 'invalid_frame', 'frame_too_large']);

export function createEdgeSession(options: EdgeSessionOptions): EdgeSession {
  const { log, outbox, nextId } = options;
  const headers = {
    Authorization: `Bearer ${options.clusterToken}`,
    'X-Stageline-Instance-Id': options.instanceId,
  };
  let handler: SessionHandler | undefined;
  let socket: EdgeSocket | undefined;
  let generation = 0;
  let welcomed = false;
  let compatible: boolean | undefined;
  let heartbeatMs = options.heartbeatIntervalMs;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let claimInFlight: { id: string; limit: number; at: number } | undefined;
  let claimWanted = false;
  let polling = false;
  const polls = new Set<Promise<void>>();

  const canSend = (): boolean => socket?.isOpen() === true && welcomed && compatible === true;

  const sendNow = (frame: AgentFrame): boolean => socket?.send(encodeFrame(frame)) ?? false;

  async function buildHello(): Promise<HelloFrame> {
    let observedJobs: ObservedJob[] = [];
    try {
      observedJobs = (await handler?.observedJobs()) ?? [];
    } catch (error) {
      log.warn('could not list managed jobs for hello', { error });
    }
    return {
      type: 'hello',
      id: nextId(),
      protocolVersion: PROTOCOL_VERSION,
      policyVersion: POLICY_VERSION,
      instanceId: options.instanceId,
      agentVersion: AGENT_VERSION,
      observedJobs: observedJobs.slice(0, 1000),
    };
  }

  function pumpClaim(): void {
    if (!handler || !canSend() || !claimWanted) {
      return;
    }
    if (claimInFlight && Date.now() - claimInFlight.at < CLAIM_TIMEOUT_MS) {
      return;
    }
    const limit = Math.min(options.claimLimit, handler.capacity());
    if (limit <= 0) {
      // Stay wanted: the next finished run calls requestClaim() again.
      return;
    }
    claimWanted = false;
    const id = nextId();
    claimInFlight = { id, limit, at: Date.now() };
    sendNow({ type: 'claim', id, limit });
  }

  function requestClaim(): void {
    claimWanted = true;
    pumpClaim();
  }

  function sendHeartbeat(): void {
    if (handler && canSend()) {
      sendNow({ type: 'heartbeat', id: nextId(), runs: handler.heldRuns().slice(0, 1000) });
    }
  }

  function startHeartbeat(): void {
    clearInterval(heartbeatTimer);
    heartbeatTimer = setInterval(sendHeartbeat, heartbeatMs);
  }

  function onWelcome(frame: Extract<EdgeFrame, { type: 'welcome' }>, viaSocket: boolean): void {
    const ok = isCompatibleVersion(PROTOCOL_VERSION, frame.protocolVersion) && isCompatibleVersion(POLICY_VERSION, frame.policyVersion);
    options.onWelcome?.(frame.clusterId);
    if (!ok && compatible !== false) {
      // Logged when it changes, not on every fallback poll.
      log.error('edge speaks an incompatible protocol or policy version; not dispatching', {
        ours: { protocol: PROTOCOL_VERSION, policy: POLICY_VERSION },
        edge: { protocol: frame.protocolVersion, policy: frame.policyVersion },
      });
    } else if (compatible !== true) {
      log.info('edge welcomed the agent', { heartbeatIntervalMs: frame.heartbeatIntervalMs });
    }
    compatible = ok;
    heartbeatMs = frame.heartbeatIntervalMs;
    if (!viaSocket || !ok) {
      return;
    }
    welcomed = true;
    for (const pending of outbox.pending()) {
      sendNow(pending);
    }
    outbox.touchAll(Date.now());
    startHeartbeat();
    requestClaim();
  }

  function settleRef(ref: string | undefined): OutboxFrame | undefined {
    if (ref === undefined) {
      return undefined;
    }
    if (claimInFlight?.id === ref) {
      claimInFlight = undefined;
    }
    return outbox.settle(ref);
  }

  function handleFrame(frame: EdgeFrame, viaSocket: boolean): void {
    switch (frame.type) {
      case 'welcome':
        onWelcome(frame, viaSocket);
        return;
      case 'run.available':
        if (compatible === true) {
          requestClaim();
        }
        return;
      case 'claim.result': {
        const asked = claimInFlight?.id === frame.ref ? claimInFlight.limit : undefined;
        settleRef(frame.ref);
        if (compatible !== true) {
          log.warn('ignoring a claim result from an incompatible edge', { runs: frame.runs.length });
          return;
        }
        if (frame.runs.length > 0) {
          handler?.onClaimed(frame.runs);
        }
        // A full answer means more may be waiting.
        if (asked !== undefined && frame.runs.length >= asked) {
          claimWanted = true;
        }
        pumpClaim();
        return;
      }
      case 'ack':
        settleRef(frame.ref);
        return;
      case 'reject': {
        const refused = settleRef(frame.ref);
        log.warn('edge rejected a frame', { ref: frame.ref, code: frame.code, reason: frame.message, runId: refused?.runId });
        if (refused) {
          handler?.onRefused(refused, frame.code, frame.message);
        }
        return;
      }
      case 'error': {
        // A frame the edge cannot parse would fail the same way again: drop it. Anything
        // else (internal) stays in the outbox and is re-sent after the ack timeout.
        const dropped = UNSENDABLE.has(frame.code) ? settleRef(frame.ref) : undefined;
        if (claimInFlight?.id === frame.ref) {
          claimInFlight = undefined;
        }
        log.error('edge reported a frame error', { ref: frame.ref, code: frame.code, reason: frame.message, dropped: dropped?.type });
        return;
      }
    }
  }

  async function poll(signal: AbortSignal): Promise<void> {
    if (polling || !handler || signal.aborted) {
      return;
    }
    polling = true;
    try {
      const frames: AgentFrame[] = [await buildHello(), ...outbox.pending()];
      let claimed = false;
      if (compatible === true) {
        frames.push({ type: 'heartbeat', id: nextId(), runs: handler.heldRuns().slice(0, 1000) });
        const limit = Math.min(options.claimLimit, handler.capacity());
        if (limit > 0) {
          frames.push({ type: 'claim', id: nextId(), limit });
          claimed = true;
        }
      }
      const reply = await postFrames({ url: options.framesUrl, headers, frames, signal, fetch: options.fetch });
      if (!reply.ok) {
        const fields = { url: options.framesUrl, ...reply.error };
        if (reply.error.kind === 'unauthorized') {
          log.error('edge refused the fallback poll: check STAGELINE_CLUSTER_TOKEN', fields);
        } else if (!signal.aborted) {
          log.warn('fallback poll failed', fields);
        }
        return;
      }
      for (const invalid of reply.value.invalid) {
        log.warn('dropped an invalid frame from the edge', { code: invalid.code, reason: invalid.message });
      }
      const wasCompatible = compatible;
      for (const frame of reply.value.frames) {
        handleFrame(frame, false);
      }
      if (!claimed && wasCompatible !== true && compatible === true) {
        // First contact: versions are now known, claim right away instead of a tick later.
        setImmediate(() => startPoll(signal));
      }
    } finally {
      polling = false;
    }
  }

  function startPoll(signal: AbortSignal): void {
    const pending = poll(signal);
    polls.add(pending);
    void pending.finally(() => polls.delete(pending));
  }

  async function sendHello(gen: number): Promise<void> {
    const hello = await buildHello();
    if (gen === generation) {
      sendNow(hello);
    }
  }

  async function run(serving: SessionHandler, signal: AbortSignal): Promise<void> {
    handler = serving;
    socket = startEdgeSocket(
      {
        url: options.socketUrl,
        headers,
        log,
        backoff: createBackoff(options.random, options.backoff),
        pingIntervalMs: Math.max(options.heartbeatIntervalMs, 1000),
        onOpen: () => {
          generation += 1;
          welcomed = false;
          void sendHello(generation);
        },
        onFrame: (frame) => handleFrame(frame, true),
        onClose: () => {
          generation += 1;
          welcomed = false;
          claimInFlight = undefined;
          clearInterval(heartbeatTimer);
        },
      },
      signal,
    );
    const tick = setInterval(() => {
      if (socket?.isOpen()) {
        if (canSend()) {
          outbox.takeOverdue(Date.now(), ACK_TIMEOUT_MS).forEach(sendNow);
        }
        requestClaim();
        return;
      }
      startPoll(signal);
    }, options.reconcileIntervalMs);
    await socket.closed;
    clearInterval(tick);
    clearInterval(heartbeatTimer);
    await Promise.allSettled(polls);
  }

  return {
    run,
    enqueue(body) {
      const frame: OutboxFrame = { ...body, id: nextId() };
      outbox.add(frame, Date.now());
      if (canSend()) {
        sendNow(frame);
      }
    },
    requestClaim,
    discardRun(runId, epoch) {
      outbox.dropRun(runId, epoch);
    },
    isCompatible: () => compatible,
  };
}
