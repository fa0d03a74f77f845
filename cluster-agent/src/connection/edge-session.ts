/**
 * The agent's side of the edge protocol (protocol/src/frames.ts), over the
 * socket when it is up and over HTTP polling when it is not.
 *
 * CONNECTION FLOW
 *   socket open ─► hello{observedJobs} ─► welcome ─► versions compatible?
 *       no  ─► log error, send nothing else, never claim (no cluster mutation)
 *       yes ─► re-send every unacked outbox frame (same ids) ─► claim if capacity
 *   welcome.heldRuns ─► handler.onHeld (resume runs this instance still holds)
 *   run.available / reconcile tick / a run finished ─► claim (one in flight)
 *   claim.result ─► handler.onClaimed      ack ─► drop from outbox
 *   reject ─► drop; handler.onRefused (lease lost?)      error ─► log, drop
 *   every heartbeatIntervalMs while welcomed ─► heartbeat{held runs} (not kept)
 *   heartbeat.result{lost} ─► handler.onLeaseLost (with the epochs that heartbeat carried)
 *   run.cancel ─► handler.onCancel      runs.query ◄─► runs.state (the namespace sweeper)
 *   socket down ─► every reconcile interval POST [hello, ...outbox, heartbeat, claim]
 */
import { POLICY_VERSION } from '@stageline/policy';
import {
  encodeFrame,
  isCompatibleVersion,
  PROTOCOL_VERSION,
  type AgentFrame,
  type EdgeFrame,
  type ErrorCode,
  type HelloFrame,
  type ObservedJob,
} from '@stageline/protocol';
import { createBackoff } from './backoff.ts';
import { startEdgeSocket, type EdgeSocket } from './edge-socket.ts';
import { createHeartbeatLedger } from './heartbeat-ledger.ts';
import { buildHelloFrame } from './hello.ts';
import { postFrames } from './http-fallback.ts';
import type { OutboxFrame } from './outbox.ts';
import { askInChunks, createRunQueries, queryRunsOverHttp } from './run-queries.ts';
import type { EdgeSession, EdgeSessionOptions, HeldRun, SessionHandler } from './session-types.ts';

export type { EdgeContact, EdgeSession, EdgeSessionOptions, FrameSink, HeldRun, RunCancelFrame, SessionHandler } from './session-types.ts';

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
  let everOpened = false;
  let lastContactAt: number | undefined;
  const polls = new Set<Promise<void>>();
  const heartbeats = createHeartbeatLedger();
  const queryTimeoutMs = options.queryTimeoutMs ?? 10_000;
  const queries = createRunQueries(nextId, queryTimeoutMs);

  const canSend = (): boolean => socket?.isOpen() === true && welcomed && compatible === true;

  const sendNow = (frame: AgentFrame): boolean => socket?.send(encodeFrame(frame)) ?? false;

  async function buildHello(): Promise<HelloFrame> {
    let observedJobs: ObservedJob[] = [];
    try {
      observedJobs = (await handler?.observedJobs()) ?? [];
    } catch (error) {
      log.warn('could not list managed jobs for hello', { error });
    }
    return buildHelloFrame(nextId(), options.instanceId, observedJobs);
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

  /** A heartbeat frame, remembered so its result can name the epochs it covered. */
  function makeHeartbeat(runs: HeldRun[]): AgentFrame {
    const frame = { type: 'heartbeat' as const, id: nextId(), runs: runs.slice(0, 1000) };
    heartbeats.remember(frame.id, frame.runs);
    return frame;
  }

  function sendHeartbeat(): void {
    if (handler && canSend()) {
      sendNow(makeHeartbeat(handler.heldRuns()));
    }
  }

  function onHeartbeatResult(ref: string, lost: readonly string[]): void {
    const runs = heartbeats.lost(ref, lost);
    if (runs.length > 0) {
      log.warn('edge reports lost leases', { runIds: runs.map((run) => run.runId) });
      handler?.onLeaseLost(runs);
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
    if (!ok) {
      return;
    }
    lastContactAt = Date.now();
    if (frame.heldRuns.length > 0) {
      handler?.onHeld(frame.heldRuns);
    }
    if (!viaSocket) {
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
    if (viaSocket && welcomed) {
      lastContactAt = Date.now();
    }
    switch (frame.type) {
      case 'welcome':
        onWelcome(frame, viaSocket);
        return;
      case 'heartbeat.result':
        onHeartbeatResult(frame.ref, frame.lost);
        if (frame.tokens !== undefined && frame.tokens.length > 0 && compatible === true) {
          handler?.onTokens?.(frame.tokens);
        }
        return;
      case 'runs.state':
        queries.settle(frame);
        return;
      case 'run.cancel':
        if (compatible === true) {
          handler?.onCancel(frame);
        }
        return;
      case 'issue.cleanup':
        if (compatible === true) {
          handler?.onIssueCleanup(frame);
        }
        return;
      case 'secret.apply':
        if (compatible === true) {
          handler?.onSecretApply?.(frame);
        }
        return;
      case 'database.apply':
        if (compatible === true) {
          handler?.onDatabaseApply?.(frame);
        }
        return;
      case 'run.available':
        if (frame.queueDepth !== undefined) {
          options.onQueueDepth?.(frame.queueDepth);
        }
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
        if (frame.queueDepth !== undefined) {
          options.onQueueDepth?.(frame.queueDepth);
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
        frames.push(makeHeartbeat(handler.heldRuns()));
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
      if (compatible !== false) {
        lastContactAt = Date.now();
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

  async function runPolling(signal: AbortSignal): Promise<void> {
    startPoll(signal);
    const tick = setInterval(() => startPoll(signal), options.reconcileIntervalMs);
    await new Promise<void>((resolve) => {
      if (signal.aborted) {
        resolve();
      }
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    clearInterval(tick);
    clearInterval(heartbeatTimer);
    await Promise.allSettled(polls);
  }

  async function run(serving: SessionHandler, signal: AbortSignal): Promise<void> {
    handler = serving;
    if (options.transport === 'poll') {
      return runPolling(signal);
    }
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
          if (everOpened) {
            options.onReconnect?.();
          }
          everOpened = true;
          void sendHello(generation);
        },
        onFrame: (frame) => handleFrame(frame, true),
        onClose: () => {
          generation += 1;
          welcomed = false;
          claimInFlight = undefined;
          clearInterval(heartbeatTimer);
          queries.abandonAll();
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
    reportOnce(frame) {
      // Not kept in the outbox: if it is lost, the edge sends the apply again and the (idempotent) write is reported again.
      return canSend() && sendNow({ ...frame, id: nextId() } as AgentFrame);
    },
    discardRun(runId, epoch) {
      outbox.dropRun(runId, epoch);
    },
    queryRuns(runIds) {
      return askInChunks(runIds, async (chunk) => {
        if (canSend()) {
          return queries.ask(chunk, sendNow);
        }
        const hello = await buildHello();
        const signal = AbortSignal.timeout(queryTimeoutMs);
        return queryRunsOverHttp({ url: options.framesUrl, headers, hello, nextId, runIds: chunk, signal, fetch: options.fetch });
      });
    },
    isCompatible: () => compatible,
    contact: () => ({ lastContactAt, compatible, heartbeatMs }),
  };
}
