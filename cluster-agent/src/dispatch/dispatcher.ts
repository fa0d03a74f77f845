/**
 * Turns claimed (or still-held) runs into Kubernetes objects and reports what
 * happens to them.
 *
 * RUN FLOW (one per run; docs/domain.md §3.5, §5)
 *   claim.result / welcome.heldRuns ─► materializeRun (policy re-check, namespace, RBAC, quota,
 *     limits, network policy, run Secret) ─► ensureJob (create, or adopt on takeover/resume)
 *     ─► the Job owns the Secret ─► run.status running {jobName, namespace}
 *     ─► superviseJob: pod start, log chunks from logSeq/logLines, terminal condition
 *     ─► run.status succeeded | failed | timed_out
 *   pod stuck past the grace ─► delete the Job ─► run.status failed `<Reason>: <message>`
 *   prepare error ─► run.status failed {policy_rejected | namespace_not_managed | namespace_terminating
 *     | namespace_prepare_failed | job_create_failed}
 *   run.cancel ─► stop ─► delete the run's Jobs ─► run.status canceled
 *   lease lost (heartbeat.result, reject stale_lease) ─► stop, drop queued frames, keep the Job
 *   every heartbeat interval ─► renew the namespace lease of each held run
 *   heartbeat.result tokens ─► the run Secret gets the renewed run token when the stored one is half spent
 *
 * Every frame goes through the FrameSink (the session's outbox), so a dropped
 * socket loses nothing.
 */
import type { ClaimedRun, ErrorCode, ObservedJob } from '@stageline/protocol';
import type { OutboxFrame } from '../connection/outbox.ts';
import type { FrameSink, HeldRun, RunCancelFrame, SessionHandler } from '../connection/session-types.ts';
import type { JobOutcome, KubeGateway } from '../kube/kube-gateway.ts';
import { toObservedJobs } from '../kube/job-status.ts';
import { buildRunJob, runSecretName, type JobSettings } from '../kube/manifests.ts';
import { cleanupIssueNamespaces } from './issue-cleanup.ts';
import type { Logger } from '../lib/log.ts';
import type { AgentMetrics } from '../ops/metrics.ts';
import { deleteRunJobs } from './cancel-run.ts';
import { renewNamespaceLease } from './lease-keepalive.ts';
import { materializeRun, type MaterializeSettings } from './materialize-run.ts';
import type { DatabaseAdmin } from '../ops/database-admin.ts';
import { applySyncedSecret } from './secret-apply.ts';
import { refreshRunToken, tokenExpiry, type TokenTarget } from './run-token-refresh.ts';
import { superviseJob } from './supervise-job.ts';

export interface DispatcherOptions {
  gateway: KubeGateway;
  sink: FrameSink;
  log: Logger;
  settings: MaterializeSettings;
  job: JobSettings;
  /** At most this many runs in progress at once. */
  maxRuns: number;
  podFailureGraceMs: number;
  /** Namespace lease keepalive period (the heartbeat interval). */
  keepaliveIntervalMs: number;
  logFlushMs?: number;
  /** How long to wait for the log stream to end after the Job finished. */
  logDrainGraceMs?: number;
  metrics?: AgentMetrics;
  now?: () => Date;
  random?: () => number;
  /** Carries out approved `database_lifecycle` actions; absent: they fail with a clear reason. */
  databases?: DatabaseAdmin;
}

export interface Dispatcher extends SessionHandler {
  runsInProgress(): number;
  /** Stop all work (the Jobs keep running) and wait for it to settle. */
  stop(): Promise<void>;
}

interface RunWork {
  runId: string;
  epoch: number;
  abort: AbortController;
  /** Terminal status queued: no longer held, no longer heartbeated. */
  finished: boolean;
  done: Promise<void>;
  log: Logger;
  claimedAt: number;
  /** Known once the namespace is ready (lease keepalive, cancel). */
  placement?: { namespace: string; jobName: string; ttlSeconds: number };
  /** The run Secret's token, once the Secret exists (renewed from heartbeat answers). */
  token?: TokenTarget;
}

const MAX_REASON = 500;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { gateway, sink, log, metrics } = options;
  const now = options.now ?? (() => new Date());
  const works = new Map<string, RunWork>();
  /** Highest epoch of recently finished runs, so a duplicate claim result does not start them again. */
  const settled = new Map<string, number>();
  const cancels = new Set<Promise<void>>();
  const stopping = new AbortController();
  let renewing = false;

  function finish(work: RunWork, outcome: JobOutcome | { status: 'failed'; reason: string }): void {
    if (work.abort.signal.aborted || work.finished) {
      return;
    }
    work.finished = true;
    const where = work.placement ? { jobName: work.placement.jobName, namespace: work.placement.namespace } : {};
    const reason = 'reason' in outcome ? { reason: outcome.reason.slice(0, MAX_REASON) } : {};
    sink.enqueue({ type: 'run.status', runId: work.runId, epoch: work.epoch, status: outcome.status, ...reason, ...where });
    work.log.info('run finished', { status: outcome.status, ...reason });
    sink.requestClaim();
  }

  function fail(work: RunWork, code: string, message: string): void {
    work.log.warn('run failed before its job started', { reason: code, detail: message });
    finish(work, { status: 'failed', reason: `${code}: ${message}` });
  }

  async function createJob(work: RunWork, run: ClaimedRun, namespace: string, jobName: string): Promise<boolean> {
    let job;
    try {
      job = await gateway.ensureJob(namespace, buildRunJob({ run, namespace, jobName }, options.job));
    } catch (error) {
      fail(work, 'job_create_failed', describeError(error));
      return false;
    }
    if (!job.ok) {
      fail(work, 'job_create_failed', `job ${job.error.name} exists for run ${job.error.otherRunId ?? '(unlabelled)'}`);
      return false;
    }
    if (job.value.kind === 'created') {
      metrics?.claimToJobCreated.observe((Date.now() - work.claimedAt) / 1000);
      if (run.queuedAt !== null) {
        metrics?.queueToJobCreated.observe(Math.max(0, Date.now() - Date.parse(run.queuedAt)) / 1000);
      }
    }
    work.log.info(job.value.kind === 'created' ? 'job created' : 'existing job adopted', { namespace, job: jobName });
    const secret = { apiVersion: 'v1', kind: 'Secret', namespace, name: runSecretName(run.runId) };
    // Not fatal: without the owner reference the Secret outlives the Job until the namespace goes.
    await gateway.setJobOwner(secret, { name: jobName, uid: job.value.job.uid }).catch((error: unknown) => {
      work.log.warn('could not make the job own the run secret', { reason: describeError(error) });
    });
    return true;
  }

  async function prepareAndRun(work: RunWork, run: ClaimedRun): Promise<void> {
    let ready;
    try {
      ready = await materializeRun(run, gateway, options.settings, now());
    } catch (error) {
      fail(work, 'namespace_prepare_failed', describeError(error));
      return;
    }
    if (!ready.ok) {
      fail(work, ready.error.code, ready.error.message);
      return;
    }
    const { namespace, jobName, ttlSeconds, placement } = ready.value;
    work.placement = { namespace, jobName, ttlSeconds };
    work.token = { runId: run.runId, epoch: run.epoch, namespace, storedExpiresAt: tokenExpiry(run.runToken), writing: false, log: work.log };
    work.log.info('namespace ready', { namespace, placement });
    if (work.abort.signal.aborted || !(await createJob(work, run, namespace, jobName)) || work.abort.signal.aborted) {
      return;
    }
    sink.enqueue({ type: 'run.status', runId: run.runId, epoch: run.epoch, status: 'running', jobName, namespace });
    const ref = { namespace, name: jobName, runId: run.runId };
    const end = await superviseJob({
      gateway,
      sink,
      ref,
      epoch: run.epoch,
      logStart: { seq: run.logSeq, skipLines: run.logLines },
      podFailureGraceMs: options.podFailureGraceMs,
      drainGraceMs: options.logDrainGraceMs ?? 5000,
      logFlushMs: options.logFlushMs,
      now: () => now().getTime(),
      log: work.log,
      signal: work.abort.signal,
      onPodStarted: () => metrics?.claimToPodRunning.observe((Date.now() - work.claimedAt) / 1000),
    });
    if (end.kind === 'stuck') {
      // Kubernetes would keep retrying the pull (or waiting for a node) forever: stop it.
      await gateway.deleteJob(namespace, jobName).catch((error: unknown) => work.log.warn('deleting the stuck job failed', { reason: describeError(error) }));
      finish(work, { status: 'failed', reason: end.reason });
    } else if (end.kind === 'outcome') {
      finish(work, end.outcome);
    }
  }

  function remember(runId: string, epoch: number): void {
    const highest = Math.max(epoch, settled.get(runId) ?? 0);
    // Re-insert so the map's order is least recently finished first.
    settled.delete(runId);
    settled.set(runId, highest);
    if (settled.size > 1000) {
      const oldest = settled.keys().next();
      if (!oldest.done) {
        settled.delete(oldest.value);
      }
    }
  }

  function startRun(run: ClaimedRun, source: 'claimed' | 'held'): void {
    const existing = works.get(run.runId);
    if ((existing && existing.epoch >= run.epoch) || (settled.get(run.runId) ?? -1) >= run.epoch) {
      // Seen twice (socket and HTTP fallback), or a held run already in progress (a reconnect).
      return;
    }
    if (existing) {
      existing.log.info('run claimed again with a newer epoch; restarting its work');
      existing.abort.abort();
    }
    const work: RunWork = {
      runId: run.runId,
      epoch: run.epoch,
      abort: new AbortController(),
      finished: false,
      done: Promise.resolve(),
      log: log.with({ runId: run.runId, epoch: run.epoch }),
      claimedAt: Date.now(),
    };
    work.log.info(source === 'held' ? 'resuming a run this instance holds' : 'run claimed', { attemptNo: run.attemptNo, takeover: run.takeover, logSeq: run.logSeq, logLines: run.logLines });
    works.set(run.runId, work);
    work.done = prepareAndRun(work, run)
      .catch((error: unknown) => work.log.error('run work failed unexpectedly', { error }))
      .finally(() => {
        // Also after an unexpected error: the lease then lapses and the edge re-offers the run.
        if (works.get(run.runId) === work) {
          works.delete(run.runId);
        }
        remember(run.runId, run.epoch);
      });
  }

  /** Stop working on a run we no longer hold; its Job stays for the new holder. */
  function release(work: RunWork, why: string): void {
    work.log.warn('lost the run lease; leaving its job to the new holder', { reason: why });
    work.abort.abort();
    works.delete(work.runId);
    sink.discardRun(work.runId, work.epoch);
    metrics?.leaseLost.inc();
    sink.requestClaim();
  }

  async function cancel(frame: RunCancelFrame): Promise<void> {
    const work = works.get(frame.runId);
    const target = { runId: frame.runId, namespace: frame.namespace ?? work?.placement?.namespace, jobName: frame.jobName ?? work?.placement?.jobName };
    const clog = log.with({ runId: frame.runId, epoch: frame.epoch });
    clog.info('run canceled by the edge', { reason: frame.reason });
    remember(frame.runId, frame.epoch);
    if (work) {
      work.abort.abort();
      // Gone from the held runs at once: a late reject of its frames is not a lost lease.
      works.delete(frame.runId);
      sink.discardRun(work.runId, work.epoch);
      await work.done;
    }
    sink.discardRun(frame.runId, frame.epoch);
    const deleted = await deleteRunJobs(gateway, target, clog, stopping.signal, options.random);
    if (deleted === undefined) {
      clog.error('could not delete the jobs of a canceled run; not confirming the cancel');
      return;
    }
    const reason = deleted.length > 0 ? `job deleted: ${deleted.join(', ')}` : 'no job to delete';
    sink.enqueue({ type: 'run.status', runId: frame.runId, epoch: frame.epoch, status: 'canceled', reason: reason.slice(0, MAX_REASON) });
    sink.requestClaim();
  }

  async function renewLeases(): Promise<void> {
    if (renewing) {
      return;
    }
    renewing = true;
    try {
      for (const work of works.values()) {
        if (work.finished || !work.placement || work.abort.signal.aborted) {
          continue;
        }
        const { namespace, ttlSeconds } = work.placement;
        const result = await renewNamespaceLease(gateway, namespace, options.settings.installation, now(), ttlSeconds).catch((error: unknown) => {
          work.log.warn('renewing the namespace lease failed', { namespace, reason: describeError(error) });
          return 'failed' as const;
        });
        if (result !== 'renewed' && result !== 'failed') {
          work.log.warn('namespace lease not renewed', { namespace, result });
        }
      }
    } finally {
      renewing = false;
    }
  }

  const keepalive = setInterval(() => void renewLeases(), options.keepaliveIntervalMs);
  const active = (): RunWork[] => [...works.values()].filter((work) => !work.finished);

  return {
    observedJobs: async (): Promise<ObservedJob[]> => toObservedJobs(await gateway.listManagedJobs()),
    capacity: () => options.maxRuns - active().length,
    heldRuns: () => active().map((work) => ({ runId: work.runId, epoch: work.epoch })),
    runsInProgress: () => active().length,
    onClaimed(runs) {
      metrics?.claims.inc(runs.length);
      runs.forEach((run) => startRun(run, 'claimed'));
    },
    onHeld: (runs) => runs.forEach((run) => startRun(run, 'held')),
    onRefused(frame: OutboxFrame, code: ErrorCode, message: string) {
      const lost = code === 'stale_lease' || (code === 'invalid_transition' && frame.type === 'run.status');
      const work = works.get(frame.runId);
      if (lost && work && work.epoch === frame.epoch) {
        release(work, `${code}: ${message}`);
      }
    },
    onLeaseLost(runs: HeldRun[]) {
      for (const { runId, epoch } of runs) {
        const work = works.get(runId);
        // A finished run's terminal status is still queued: it must not be dropped.
        if (work && work.epoch === epoch && !work.finished) {
          release(work, 'heartbeat_lost');
        }
      }
    },
    onCancel(frame) {
      const task = cancel(frame).catch((error: unknown) => log.error('cancel failed unexpectedly', { runId: frame.runId, error }));
      cancels.add(task);
      void task.finally(() => cancels.delete(task));
    },
    onTokens(tokens) {
      const deps = { gateway, installation: options.settings.installation, modelApiKey: options.settings.modelApiKey, now: () => now().getTime() };
      for (const offer of tokens) {
        const work = works.get(offer.runId);
        if (work?.token && !work.finished && !work.abort.signal.aborted) {
          const task = refreshRunToken(work.token, offer, deps);
          cancels.add(task);
          void task.finally(() => cancels.delete(task));
        }
      }
    },
    onSecretApply(frame) {
      const deps = { gateway, installation: options.settings.installation, namespacePrefix: options.settings.namespacePrefix, log };
      const task = applySyncedSecret(frame, deps)
        .catch((error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message.slice(0, 500) : 'apply failed' }))
        .then((outcome) => {
          sink.reportOnce({ type: 'secret.applied', requestId: frame.requestId, runId: frame.runId, ok: outcome.ok, ...(outcome.ok ? {} : { error: outcome.error }) });
        });
      cancels.add(task);
      void task.finally(() => cancels.delete(task));
    },
    onDatabaseApply(frame) {
      const admin = options.databases;
      const task = (admin === undefined ? Promise.resolve({ ok: false as const, error: 'this cluster-agent has no database admin connections' }) : admin.apply(frame))
        .catch((error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message.slice(0, 500) : 'apply failed' }))
        .then((outcome) => {
          log.info('database lifecycle', { requestId: frame.requestId, runId: frame.runId, action: frame.action, environment: frame.environment, database: frame.database, ok: outcome.ok });
          sink.reportOnce({ type: 'database.applied', requestId: frame.requestId, runId: frame.runId, ok: outcome.ok, ...(outcome.ok ? { changed: outcome.changed } : { error: outcome.error }) });
        });
      cancels.add(task);
      void task.finally(() => cancels.delete(task));
    },
    onIssueCleanup(frame) {
      const deps = { gateway, installation: options.settings.installation, namespacePrefix: options.settings.namespacePrefix, log, onDeleted: () => options.metrics?.namespacesDeleted.inc() };
      const task = cleanupIssueNamespaces(frame, deps)
        .then(() => undefined)
        .catch((error: unknown) => log.error('issue cleanup failed', { issueNumber: frame.issueNumber, error }));
      cancels.add(task);
      void task.finally(() => cancels.delete(task));
    },
    async stop() {
      clearInterval(keepalive);
      stopping.abort();
      const pending = [...works.values()];
      pending.forEach((work) => work.abort.abort());
      await Promise.allSettled([...pending.map((work) => work.done), ...cancels]);
    },
  };
}

function describeError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 400);
}
