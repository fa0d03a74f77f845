/**
 * Turns claimed runs into Kubernetes objects and reports what happens to them.
 *
 * RUN FLOW (one per claimed run; domain.md §3.5, §5.2, §5.4)
 *   claim.result ─► checkClaimedRun (policy) ─► ensureNamespace ─► ensureJob (create or adopt)
 *     ─► run.status running {jobName, namespace}
 *     ─► follow the pod log ─► log.append chunks (seq 0, 1, …)
 *     ─► wait for a terminal Job condition ─► drain the log ─► last chunk ─► run.status terminal
 *   any prepare error ─► run.status failed {namespace_prepare_failed | job_create_failed | policy_rejected}
 *   reject stale_lease / invalid_transition ─► stop the work, keep the Job (the new holder adopts it)
 *
 * Every frame goes through the FrameSink (the session's outbox), so a dropped
 * socket loses nothing. Jobs found at start-up are watched again (adoption).
 */
import type { ClaimedRun, ErrorCode, ObservedJob } from '@stageline/protocol';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FrameSink, SessionHandler } from '../connection/edge-session.ts';
import type { OutboxFrame } from '../connection/outbox.ts';
import type { Logger } from '../lib/log.ts';
import { describeKubeError } from '../kube/kube-errors.ts';
import type { JobOutcome, JobRef, KubeGateway, ManagedJob } from '../kube/kube-gateway.ts';
import { buildRunJob, buildRunNamespace, type JobSettings } from '../kube/manifests.ts';
import { checkClaimedRun } from './check-claimed-run.ts';
import { createLogBatcher } from './log-batcher.ts';

export interface DispatcherOptions {
  gateway: KubeGateway;
  sink: FrameSink;
  log: Logger;
  namespacePrefix: string;
  /** At most this many runs in progress at once. */
  maxRuns: number;
  job: JobSettings;
  logFlushMs?: number;
  /** How long to wait for the log stream to end after the Job finished. */
  logDrainGraceMs?: number;
}

export interface Dispatcher extends SessionHandler {
  /** Watch the managed Jobs already in the cluster again (after an agent restart). */
  adoptExisting(): Promise<void>;
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
}

type FailureKind = 'policy_rejected' | 'namespace_prepare_failed' | 'job_create_failed';

const MAX_REASON = 500;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { gateway, sink } = options;
  const log = options.log;
  const works = new Map<string, RunWork>();
  /** Highest epoch of recently finished runs, so a duplicate claim result does not start them again. */
  const settled = new Map<string, number>();
  const drainGraceMs = options.logDrainGraceMs ?? 5000;

  const reportFailure = (work: RunWork, kind: FailureKind, message: string): void => {
    work.log.warn('run failed before its job started', { reason: kind, detail: message });
    finish(work, { status: 'failed', reason: `${kind}: ${message}`.slice(0, MAX_REASON) });
  };

  function finish(work: RunWork, outcome: JobOutcome, placement?: { jobName: string; namespace: string }): void {
    if (work.abort.signal.aborted || work.finished) {
      return;
    }
    work.finished = true;
    sink.enqueue({
      type: 'run.status',
      runId: work.runId,
      epoch: work.epoch,
      status: outcome.status,
      ...('reason' in outcome ? { reason: outcome.reason.slice(0, MAX_REASON) } : {}),
      ...placement,
    });
    work.log.info('run finished', { status: outcome.status });
    sink.requestClaim();
  }

  /** Follow logs and wait for the outcome; the final chunk is queued before the terminal status. */
  async function superviseJob(work: RunWork, ref: JobRef, shipLogs: boolean): Promise<void> {
    const signal = work.abort.signal;
    const batcher = createLogBatcher({
      flushMs: options.logFlushMs,
      onChunk: (seq, lines) => sink.enqueue({ type: 'log.append', runId: work.runId, epoch: work.epoch, seq, lines }),
    });
    const logAbort = new AbortController();
    const stopLogs = (): void => logAbort.abort();
    signal.addEventListener('abort', stopLogs, { once: true });
    const following = shipLogs
      ? gateway.followJobLog(ref, (line) => batcher.push(line), logAbort.signal).catch((error: unknown) => {
          work.log.warn('following the pod log failed', { reason: describeKubeError(error) });
        })
      : Promise.resolve();
    try {
      const outcome = await gateway.waitForJobOutcome(ref, signal);
      // The log stream ends when the container exits; give it a moment, then cut it.
      const grace = new AbortController();
      await Promise.race([following, sleep(drainGraceMs, undefined, { signal: grace.signal }).catch(() => undefined)]);
      grace.abort();
      logAbort.abort();
      await following;
      if (signal.aborted) {
        batcher.discard();
        return;
      }
      batcher.close();
      finish(work, outcome, { jobName: ref.name, namespace: ref.namespace });
    } catch (error) {
      batcher.discard();
      logAbort.abort();
      if (!signal.aborted) {
        throw error;
      }
    } finally {
      signal.removeEventListener('abort', stopLogs);
    }
  }

  async function prepareAndRun(work: RunWork, run: ClaimedRun): Promise<void> {
    const placement = checkClaimedRun(run, options.namespacePrefix);
    if (!placement.ok) {
      reportFailure(work, 'policy_rejected', placement.error);
      return;
    }
    const { namespace, jobName } = placement.value;
    try {
      const ns = await gateway.ensureNamespace(buildRunNamespace({ run, namespace }));
      if (!ns.ok) {
        reportFailure(work, 'namespace_prepare_failed', `namespace ${ns.error.name} is terminating`);
        return;
      }
    } catch (error) {
      reportFailure(work, 'namespace_prepare_failed', describeError(error));
      return;
    }
    if (work.abort.signal.aborted) {
      return;
    }
    try {
      const job = await gateway.ensureJob(namespace, buildRunJob({ run, namespace, jobName }, options.job));
      if (!job.ok) {
        reportFailure(work, 'job_create_failed', `job ${job.error.name} exists for run ${job.error.otherRunId ?? '(unlabelled)'}`);
        return;
      }
      work.log.info(job.value.kind === 'created' ? 'job created' : 'existing job adopted', { namespace, job: jobName });
    } catch (error) {
      reportFailure(work, 'job_create_failed', describeError(error));
      return;
    }
    if (work.abort.signal.aborted) {
      return;
    }
    sink.enqueue({ type: 'run.status', runId: run.runId, epoch: run.epoch, status: 'running', jobName, namespace });
    await superviseJob(work, { namespace, name: jobName, runId: run.runId }, true);
  }

  function startWork(runId: string, epoch: number, body: (work: RunWork) => Promise<void>): void {
    const work: RunWork = {
      runId,
      epoch,
      abort: new AbortController(),
      finished: false,
      done: Promise.resolve(),
      log: log.with({ runId, epoch }),
    };
    works.set(runId, work);
    work.done = body(work)
      .catch((error: unknown) => {
        work.log.error('run work failed unexpectedly', { error });
      })
      .finally(() => {
        // Also after an unexpected error: the lease then lapses and the edge re-offers the run.
        if (works.get(runId) === work) {
          works.delete(runId);
        }
        remember(runId, epoch);
      });
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

  function onClaimed(runs: ClaimedRun[]): void {
    for (const run of runs) {
      const existing = works.get(run.runId);
      if ((existing && existing.epoch >= run.epoch) || (settled.get(run.runId) ?? -1) >= run.epoch) {
        // A claim result seen twice (socket and HTTP fallback): already working on it.
        continue;
      }
      if (existing) {
        existing.log.info('run claimed again with a newer epoch; restarting its work');
        existing.abort.abort();
      }
      log.info('run claimed', { runId: run.runId, epoch: run.epoch, attemptNo: run.attemptNo });
      startWork(run.runId, run.epoch, (work) => prepareAndRun(work, run));
    }
  }

  function onRefused(frame: OutboxFrame, code: ErrorCode, message: string): void {
    const lost = code === 'stale_lease' || (code === 'invalid_transition' && frame.type === 'run.status');
    const work = works.get(frame.runId);
    if (!lost || !work || work.epoch !== frame.epoch) {
      return;
    }
    work.log.warn('lost the run lease; leaving its job to the new holder', { code, reason: message });
    work.abort.abort();
    works.delete(frame.runId);
    sink.discardRun(frame.runId, frame.epoch);
    sink.requestClaim();
  }

  function adopt(job: ManagedJob): void {
    const { runId, epoch } = job;
    if (runId === undefined || epoch === undefined || works.has(runId)) {
      return;
    }
    const ref = { namespace: job.namespace, name: job.name, runId };
    log.info('adopting job found at start-up', { runId, epoch, job: job.name, namespace: job.namespace, phase: job.phase });
    startWork(runId, epoch, async (work) => {
      if (job.outcome) {
        // Finished while no agent watched it; re-reporting is idempotent at the edge.
        finish(work, job.outcome, { jobName: job.name, namespace: job.namespace });
        return;
      }
      // Log lines shipped before the restart cannot be matched to chunk seqs: status only.
      await superviseJob(work, ref, false);
    });
  }

  return {
    async observedJobs(): Promise<ObservedJob[]> {
      const jobs = await gateway.listManagedJobs();
      return jobs.flatMap((job) =>
        job.runId === undefined || job.epoch === undefined
          ? []
          : [{ runId: job.runId, epoch: job.epoch, jobName: job.name, namespace: job.namespace, phase: job.phase }],
      );
    },
    capacity: () => options.maxRuns - [...works.values()].filter((work) => !work.finished).length,
    heldRuns: () => [...works.values()].filter((work) => !work.finished).map((work) => ({ runId: work.runId, epoch: work.epoch })),
    onClaimed,
    onRefused,
    async adoptExisting() {
      const jobs = await gateway.listManagedJobs();
      for (const job of jobs) {
        adopt(job);
      }
    },
    async stop() {
      const pending = [...works.values()];
      for (const work of pending) {
        work.abort.abort();
      }
      await Promise.allSettled(pending.map((work) => work.done));
    },
  };
}

function describeError(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 400);
}
