/**
 * The contracts around the edge session: what it needs from the dispatcher
 * (SessionHandler), what the dispatcher and the sweeper need from it
 * (FrameSink), and its options.
 */
import type { ClaimedRun, EdgeFrame, ErrorCode, ObservedJob, RunState, RunToken, SecretAppliedFrame, DatabaseAppliedFrame } from '@stageline/protocol';
import type { Logger } from '../lib/log.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { NextFrameId } from './frame-ids.ts';
import type { Outbox, OutboxFrame, OutboxFrameBody } from './outbox.ts';

export type RunCancelFrame = Extract<EdgeFrame, { type: 'run.cancel' }>;
export type HeldRun = { runId: string; epoch: number };

/** What the session needs from the dispatcher. */
export interface SessionHandler {
  observedJobs(): Promise<ObservedJob[]>;
  /** How many more runs this agent takes now. */
  capacity(): number;
  /** Runs whose leases the heartbeat keeps alive. */
  heldRuns(): HeldRun[];
  onClaimed(runs: ClaimedRun[]): void;
  /** Runs the edge says this instance still holds (welcome): resume those not in progress. */
  onHeld(runs: ClaimedRun[]): void;
  /** The edge refused one of our run frames (a stale lease, an impossible transition). */
  onRefused(frame: OutboxFrame, code: ErrorCode, message: string): void;
  /** A run was canceled: delete its Job and confirm. */
  onCancel(frame: RunCancelFrame): void;
  /** An issue was closed: delete the namespaces this installation retains for it. */
  onIssueCleanup(frame: Extract<EdgeFrame, { type: 'issue.cleanup' }>): void;
  /** The edge no longer counts these leases as ours: stop, keep the Jobs (the new holder adopts them). */
  onLeaseLost(runs: HeldRun[]): void;
  /** (1.5) An approved secret_sync: write the Secret and report `secret.applied`. */
  onSecretApply?(frame: Extract<EdgeFrame, { type: 'secret.apply' }>): void;
  /** (1.5) An approved database_lifecycle: create or drop, then report `database.applied`. */
  onDatabaseApply?(frame: Extract<EdgeFrame, { type: 'database.apply' }>): void;
  /** Run tokens renewed with the leases (protocol 1.4): keep the run Secrets current. */
  onTokens?(tokens: RunToken[]): void;
}

/** What the dispatcher needs from the session. */
export interface FrameSink {
  /** Queue a run frame; it is sent now if possible and re-sent until acknowledged. */
  enqueue(frame: OutboxFrameBody): void;
  /** Ask the edge for work (coalesced with a claim already in flight). */
  requestClaim(): void;
  /** Send a report that is not re-sent (the edge repeats its request instead); false when it could not be sent now. */
  reportOnce(frame: Omit<SecretAppliedFrame, 'id'> | Omit<DatabaseAppliedFrame, 'id'>): boolean;
  /** Forget unsent frames of a run we no longer hold. */
  discardRun(runId: string, epoch: number): void;
  /** Ask the edge about runs (socket, else HTTP); undefined when it cannot be asked. */
  queryRuns(runIds: readonly string[]): Promise<RunState[] | undefined>;
}

/** When the edge was last heard from, for /readyz. */
export interface EdgeContact {
  /** ms epoch of the last welcome or frame on a welcomed socket, or the last good fallback poll. */
  lastContactAt: number | undefined;
  compatible: boolean | undefined;
  /** The heartbeat interval in force (the edge's, once welcomed). */
  heartbeatMs: number;
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
  /** Called on every socket open after the first (the reconnects metric). */
  onReconnect?: () => void;
  /** The edge said how many of the cluster's runs wait to be claimed (the queue-depth gauge). */
  onQueueDepth?: (depth: number) => void;
  /** `poll` never opens the socket: every reconcile interval is an HTTP batch. */
  transport?: 'websocket' | 'poll';
  /** How long a runs.query waits for its answer; default 10 s. */
  queryTimeoutMs?: number;
}

export interface EdgeSession extends FrameSink {
  /** Connect and serve `handler` until `signal` aborts. */
  run(handler: SessionHandler, signal: AbortSignal): Promise<void>;
  /** Whether the last welcome had compatible versions (undefined before any welcome). */
  isCompatible(): boolean | undefined;
  contact(): EdgeContact;
}
