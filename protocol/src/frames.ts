import { z } from 'zod';

/**
 * Wire contract between the edge (AgentHub Durable Object) and the
 * cluster-agent. Every frame is one JSON text message. Agent frames carry an
 * `id` that the edge echoes as `ref` in its ack, so the agent can keep an
 * outbox of unacknowledged frames and re-send them after a reconnect; the edge
 * applies each frame idempotently.
 */
export const PROTOCOL_VERSION = '1.6.0';

/** Largest frame either side accepts (bytes of the JSON text). */
export const MAX_FRAME_BYTES = 256 * 1024;

const frameId = z.string().min(1).max(64);
const runId = z.uuid();
/** Epochs and sequence numbers are Postgres `integer` columns: larger values are malformed, not storable. */
const PG_INT_MAX = 2_147_483_647;
const epoch = z.number().int().nonnegative().max(PG_INT_MAX);

export const observedJobSchema = z.object({
  runId,
  epoch,
  jobName: z.string().min(1).max(63),
  namespace: z.string().min(1).max(63),
  phase: z.enum(['active', 'succeeded', 'failed']),
});

export const helloFrame = z.object({
  type: z.literal('hello'),
  id: frameId,
  protocolVersion: z.string().max(32),
  policyVersion: z.string().max(32),
  instanceId: z.string().min(1).max(253),
  agentVersion: z.string().max(64),
  observedJobs: z.array(observedJobSchema).max(1000).default([]),
});

export const claimFrame = z.object({
  type: z.literal('claim'),
  id: frameId,
  limit: z.number().int().min(1).max(50),
});

export const runStatusFrame = z.object({
  type: z.literal('run.status'),
  id: frameId,
  runId,
  epoch,
  /** `canceled` confirms that the Job of a canceled run was deleted. */
  status: z.enum(['running', 'succeeded', 'failed', 'timed_out', 'canceled']),
  reason: z.string().max(500).optional(),
  jobName: z.string().min(1).max(63).optional(),
  namespace: z.string().min(1).max(63).optional(),
});

export const heartbeatFrame = z.object({
  type: z.literal('heartbeat'),
  id: frameId,
  runs: z.array(z.object({ runId, epoch })).max(1000),
});

export const logAppendFrame = z.object({
  type: z.literal('log.append'),
  id: frameId,
  runId,
  epoch,
  /** Per-run sequence of this chunk, from 0; a chunk is stored once. */
  seq: z.number().int().nonnegative().max(PG_INT_MAX),
  lines: z.array(z.string().max(16 * 1024)).min(1).max(500),
});

/** Which of these runs are still active? (The namespace sweeper asks before deleting.) */
export const runsQueryFrame = z.object({
  type: z.literal('runs.query'),
  id: frameId,
  runIds: z.array(runId).min(1).max(500),
});

/**
 * (1.5) The outcome of a `secret.apply`: the Secret was written (or not, with
 * the Kubernetes error's reason). Sent once per apply; the edge's state
 * machine makes a repeat harmless.
 */
export const secretAppliedFrame = z.object({
  type: z.literal('secret.applied'),
  id: frameId,
  requestId: z.uuid(),
  runId,
  ok: z.boolean(),
  error: z.string().max(500).optional(),
});

/** (1.5) The outcome of a `database.apply`; `changed` says whether the database was created or dropped now. */
export const databaseAppliedFrame = z.object({
  type: z.literal('database.applied'),
  id: frameId,
  requestId: z.uuid(),
  runId,
  ok: z.boolean(),
  changed: z.boolean().optional(),
  error: z.string().max(500).optional(),
});

export const agentFrameSchema = z.discriminatedUnion('type', [
  helloFrame,
  claimFrame,
  runStatusFrame,
  heartbeatFrame,
  logAppendFrame,
  runsQueryFrame,
  secretAppliedFrame,
  databaseAppliedFrame,
]);

export type HelloFrame = z.infer<typeof helloFrame>;
export type ClaimFrame = z.infer<typeof claimFrame>;
export type RunStatusFrame = z.infer<typeof runStatusFrame>;
export type HeartbeatFrame = z.infer<typeof heartbeatFrame>;
export type LogAppendFrame = z.infer<typeof logAppendFrame>;
export type RunsQueryFrame = z.infer<typeof runsQueryFrame>;
export type SecretAppliedFrame = z.infer<typeof secretAppliedFrame>;
export type DatabaseAppliedFrame = z.infer<typeof databaseAppliedFrame>;
export type AgentFrame = z.infer<typeof agentFrameSchema>;
export type ObservedJob = z.infer<typeof observedJobSchema>;

/** The projection of a run the cluster needs (docs/domain.md §3.4: no raw payload). */
export const claimedRunSchema = z.object({
  runId,
  correlationId: z.string().min(1).max(200),
  epoch,
  attemptNo: z.number().int().min(1),
  projectId: z.string().min(1).max(64),
  repositoryFullName: z.string().min(1).max(200),
  issueNumber: z.number().int().positive().nullable(),
  triggerKind: z.string().min(1).max(64),
  triggerLabel: z.string().min(1).max(100),
  agentKey: z.string().min(1).max(64),
  leaseUntil: z.iso.datetime(),
  /**
   * The previous holder's lease expired and this claim took the run over: the
   * Job may already exist and must be adopted, never created twice.
   */
  takeover: z.boolean().default(false),
  /** Next log chunk sequence for this epoch (chunks already stored are not re-sent). */
  logSeq: z.number().int().nonnegative().default(0),
  /** Pod-log lines already stored for this epoch: a resuming agent skips that many. */
  logLines: z.number().int().nonnegative().default(0),
  /**
   * The Job the edge recorded for this attempt (`job_started`), if any. A resumed
   * or taken-over run whose recorded Job is gone must not start it again.
   */
  jobName: z.string().min(1).max(63).nullable().default(null),
  /** Run-scoped bearer token for the coding agent; goes into the run Secret only. */
  runToken: z.string().min(1).max(4096),
  /** When the run was queued (its row was created): the agent measures queue-to-Job time. */
  queuedAt: z.iso.datetime().nullable().default(null),
  /**
   * How the edge's policy resolved the launch (docs/domain.md §2.2–§2.4, §2.9): the
   * Job's environment tells the runner. Null from edges before 1.3.
   */
  launch: z
    .object({
      runtimeMode: z.enum(['full-env', 'code-only']),
      targetEnv: z.enum(['ai', 'production']),
      accessProfile: z.enum(['candidate', 'production-readonly', 'repair']),
      buildRef: z.string().max(255).nullable(),
      /** The issue's candidate namespace the run continues in (qa, release, revise), from the run history. */
      namespace: z.string().min(1).max(63).nullable(),
      model: z.string().min(1).max(100),
      reasoningEffort: z.string().min(1).max(32),
      writeScope: z.enum(['markdown_only', 'any', 'self_improve_only', 'no_repo_changes', 'discussion']),
      promptKind: z.enum(['work', 'revise']),
      discussion: z.boolean(),
      pullRequestNumber: z.number().int().positive().nullable(),
    })
    .nullable()
    .default(null),
  /**
   * (1.6) The project's retention of the run's namespace in seconds, from its
   * agent settings at claim time (policy/src/project-namespace-ttl.ts). Null or
   * absent (edges before 1.6): the cluster's Helm config decides. Agents
   * before 1.6 drop the unknown key and use their Helm config.
   */
  namespaceTtlSeconds: z.number().int().positive().max(PG_INT_MAX).nullish(),
});
export type ClaimedRun = z.infer<typeof claimedRunSchema>;

/** A run token renewed with the lease: short-lived, bound to (run, epoch, attempt). */
export const runTokenSchema = z.object({
  runId,
  epoch,
  token: z.string().min(1).max(4096),
  expiresAt: z.iso.datetime(),
});
export type RunToken = z.infer<typeof runTokenSchema>;

export const runStateSchema = z.object({
  runId,
  status: z.enum(['pending', 'running', 'waiting_mcp', 'waiting_backpressure', 'waiting_owner_review', 'succeeded', 'failed', 'timed_out', 'canceled', 'unknown']),
  active: z.boolean(),
});
export type RunState = z.infer<typeof runStateSchema>;

export const errorCodes = [
  'malformed_frame',
  'unknown_frame',
  'invalid_frame',
  'frame_too_large',
  'version_mismatch',
  'hello_required',
  'stale_lease',
  'invalid_transition',
  'not_found',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const edgeFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    clusterId: z.string(),
    protocolVersion: z.string(),
    policyVersion: z.string(),
    heartbeatIntervalMs: z.number().int().positive(),
    /** Runs this instance still holds (after a reconnect or a restart with the same id): resume them. */
    heldRuns: z.array(claimedRunSchema).max(1000).default([]),
  }),
  /** A run was canceled: delete its Job (if any) and confirm with run.status canceled. */
  z.object({
    type: z.literal('run.cancel'),
    runId,
    epoch,
    jobName: z.string().nullable(),
    namespace: z.string().nullable(),
    reason: z.string().max(500),
  }),
  /**
   * The issue was closed (docs/domain.md §5.8): delete the namespaces this
   * installation retains for it. Its active runs were canceled first.
   */
  z.object({
    type: z.literal('issue.cleanup'),
    projectId: z.string().min(1).max(64),
    issueNumber: z.number().int().positive(),
    reason: z.string().max(200),
  }),
  /**
   * Answer to a heartbeat: the runs whose lease this instance no longer holds,
   * and (1.4) a fresh run token for runs whose lease was renewed. The agent
   * writes a token into the run Secret the Job reads it from; absent from
   * older edges.
   */
  /**
   * (1.5) An approved `secret_sync` (docs/domain.md §6.5): upsert `data[key]`
   * of the Secret `name` in the run's namespace and answer `secret.applied`.
   * The value travels only over this socket; the agent never logs it.
   */
  z.object({
    type: z.literal('secret.apply'),
    requestId: z.uuid(),
    runId,
    namespace: z.string().min(1).max(63),
    name: z.string().min(1).max(253),
    key: z.string().min(1).max(253),
    value: z.string().max(64 * 1024),
  }),
  /**
   * (1.5) An approved `database_lifecycle` (docs/domain.md §7.7): create or
   * drop the database on the environment's PostgreSQL admin connection the
   * cluster holds, and answer `database.applied`.
   */
  z.object({
    type: z.literal('database.apply'),
    requestId: z.uuid(),
    runId,
    action: z.enum(['create', 'delete']),
    environment: z.string().regex(/^[a-z0-9-]{1,63}$/),
    database: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]{0,62}$/),
  }),
  z.object({ type: z.literal('heartbeat.result'), ref: frameId, lost: z.array(runId), tokens: z.array(runTokenSchema).max(1000).optional() }),
  z.object({ type: z.literal('runs.state'), ref: frameId, runs: z.array(runStateSchema) }),
  /** queueDepth: pending runs of the cluster when sent (absent from older edges). */
  z.object({ type: z.literal('run.available'), runIds: z.array(runId), queueDepth: z.number().int().nonnegative().optional() }),
  z.object({ type: z.literal('claim.result'), ref: frameId, runs: z.array(claimedRunSchema), queueDepth: z.number().int().nonnegative().optional() }),
  z.object({ type: z.literal('ack'), ref: frameId, result: z.enum(['applied', 'noop']) }),
  /** The frame was understood but refused (a stale lease, an impossible transition): drop it. */
  z.object({ type: z.literal('reject'), ref: frameId, code: z.enum(errorCodes), message: z.string() }),
  /** The frame could not be understood; the connection stays open. */
  z.object({ type: z.literal('error'), ref: frameId.optional(), code: z.enum(errorCodes), message: z.string() }),
]);
export type EdgeFrame = z.infer<typeof edgeFrameSchema>;
