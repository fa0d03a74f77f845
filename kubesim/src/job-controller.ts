/**
 * JOB CONTROLLER (pkg/controller/job, reduced to NonIndexed jobs).
 *
 *   Job ADDED ─▶ startTime, pod <job>-xxxxx (labels job-name / controller-uid, ownerReference controller: true)
 *   pod Succeeded ─▶ succeeded++ ─▶ SuccessCriteriaMet ─▶ Complete + completionTime
 *   pod Failed or removed while running ─▶ failed++ ─▶ retry after backoff, or past backoffLimit:
 *       FailureTarget ─▶ (active pods deleted) ─▶ Failed, reason BackoffLimitExceeded
 *   activeDeadlineSeconds passed ─▶ pods killed ─▶ FailureTarget ─▶ Failed, reason DeadlineExceeded
 *   finished + ttlSecondsAfterFinished ─▶ Job deleted (Foreground) with its pods
 * Every status change is one write, so watchers see each step as MODIFIED.
 */
import type { IJobSpec } from 'kubernetes-models/batch/v1/JobSpec';
import { ApiError } from './http-status.ts';
import type { KubeObject } from './kube-object.ts';
import { controllerRef, isRecord, toKubeTime } from './kube-object.ts';
import type { Deleter } from './object-delete.ts';
import { createObject, writeStatus } from './object-write.ts';
import { recordEvent } from './events.ts';
import type { JobStatus, PodCounts, Tally } from './job-status.ts';
import { REASONS, countPods, hasCondition, isFinished, podPhaseOf, withCondition, withTally } from './job-status.ts';
import { JOBS, PODS } from './resource-registry.ts';
import type { Store } from './store.ts';
import { createWorkQueue } from './work-queue.ts';

export interface JobControllerOptions {
  store: Store;
  deleter: Deleter;
  /** Delay before replacing the first failed pod; doubles per failure up to 6 minutes. The real controller uses 10 s. */
  backoffMs: number;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

interface JobMemory {
  uid: string;
  counted: Set<string>;
  seenActive: Set<string>;
  lastFailureAt: number;
  timers: Map<string, NodeJS.Timeout>;
}

const COMPONENT = 'job-controller';

function isFinishing(status: JobStatus): boolean {
  return hasCondition(status, 'SuccessCriteriaMet') || hasCondition(status, 'FailureTarget');
}

function specOf(job: KubeObject): IJobSpec {
  // Sound after schema validation on write; the controller only reads validated jobs.
  return (isRecord(job['spec']) ? job['spec'] : {}) as unknown as IJobSpec;
}

function statusOf(job: KubeObject): JobStatus {
  return (isRecord(job['status']) ? job['status'] : {}) as JobStatus;
}

export function createJobController(options: JobControllerOptions): { close(): void } {
  const { store, deleter, log } = options;
  const memories = new Map<string, JobMemory>();

  const memoryOf = (key: string, uid: string): JobMemory => {
    let memory = memories.get(key);
    if (!memory || memory.uid !== uid) {
      memory?.timers.forEach(clearTimeout);
      memory = { uid, counted: new Set(), seenActive: new Set(), lastFailureAt: 0, timers: new Map() };
      memories.set(key, memory);
    }
    return memory;
  };

  const schedule = (memory: JobMemory, key: string, name: string, delayMs: number): void => {
    clearTimeout(memory.timers.get(name));
    const timer = setTimeout(() => queue.add(key), Math.max(0, delayMs));
    timer.unref();
    memory.timers.set(name, timer);
  };

  const event = (job: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void =>
    recordEvent(store, { resource: JOBS, object: job, type, reason, message, component: COMPONENT });

  /** `excused` pods (suspension, surplus after success) are not failures; killed active pods are. */
  const deletePod = (memory: JobMemory, pod: KubeObject, how: { gracePeriodSeconds?: number; excused: boolean }): void => {
    const { gracePeriodSeconds } = how;
    if (how.excused) {
      memory.counted.add(pod.metadata.uid ?? '');
    }
    try {
      deleter.delete(PODS, pod.metadata.namespace ?? '', pod.metadata.name ?? '', gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds });
    } catch (err) {
      if (!(err instanceof ApiError && err.status.code === 404)) {
        throw err;
      }
    }
  };

  /** Counts pods that finished, or vanished while running, since the last look; each pod once. */
  const tallyFinished = (memory: JobMemory, pods: readonly KubeObject[], status: JobStatus): { succeeded: number; failed: number } => {
    let succeeded = status.succeeded ?? 0;
    let failed = status.failed ?? 0;
    const count = (uid: string, outcome: 'succeeded' | 'failed'): void => {
      if (!memory.counted.has(uid)) {
        memory.counted.add(uid);
        succeeded += outcome === 'succeeded' ? 1 : 0;
        failed += outcome === 'failed' ? 1 : 0;
      }
      memory.seenActive.delete(uid);
    };
    const present = new Set<string>();
    for (const pod of pods) {
      const uid = pod.metadata.uid ?? '';
      const phase = podPhaseOf(pod);
      present.add(uid);
      if (phase === 'Succeeded' || phase === 'Failed') {
        count(uid, phase === 'Succeeded' ? 'succeeded' : 'failed');
      } else {
        memory.seenActive.add(uid);
      }
    }
    // A pod removed before it finished (deleted, deadline, eviction) counts as failed.
    [...memory.seenActive].filter((uid) => !present.has(uid)).forEach((uid) => count(uid, 'failed'));
    return { succeeded, failed };
  };

  const createPod = (job: KubeObject, memory: JobMemory): boolean => {
    const spec = specOf(job);
    const template = spec.template;
    const meta = template.metadata ?? {};
    const uid = job.metadata.uid ?? '';
    const name = job.metadata.name ?? '';
    const body = {
      metadata: {
        generateName: `${name}-`,
        labels: { ...meta.labels, 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name },
        annotations: meta.annotations,
        ownerReferences: [{ apiVersion: JOBS.apiVersion, kind: JOBS.kind, name, uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: template.spec,
    };
    try {
      const pod = createObject(store, PODS, job.metadata.namespace ?? '', body);
      memory.seenActive.add(pod.metadata.uid ?? '');
      event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
      return true;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      event(job, 'Warning', 'FailedCreate', `Error creating: ${message}`);
      schedule(memory, `${job.metadata.namespace ?? ''}/${name}`, 'retry', 1000);
      return false;
    }
  };

  const commit = (job: KubeObject, status: JobStatus): KubeObject => writeStatus(store, JOBS, job, status) ?? job;

  /** Current owned pods and the status counters updated with what finished since the last look. */
  const observe = (job: KubeObject, memory: JobMemory, status: JobStatus): { counts: PodCounts; status: JobStatus } => {
    const pods = store.list(PODS, job.metadata.namespace).filter((p) => controllerRef(p)?.uid === job.metadata.uid);
    const counts = countPods(pods);
    const finished = tallyFinished(memory, pods, status);
    if (finished.failed > (status.failed ?? 0)) {
      memory.lastFailureAt = Date.now();
    }
    const tally: Tally = { active: counts.active.length, ready: counts.ready, terminating: counts.terminating.length, ...finished };
    return { counts, status: withTally(status, tally) };
  };

  /** The terminal condition that follows SuccessCriteriaMet or FailureTarget. */
  const terminalStatus = (job: KubeObject, status: JobStatus, now: string): JobStatus => {
    if (hasCondition(status, 'SuccessCriteriaMet')) {
      event(job, 'Normal', 'Completed', 'Job completed');
      return { ...withCondition(status, 'Complete', 'True', REASONS.completions.reason, REASONS.completions.message, now), completionTime: now };
    }
    const target = (status.conditions ?? []).find((c) => c.type === 'FailureTarget');
    const reason = target?.reason ?? REASONS.backoff.reason;
    const message = target?.message ?? REASONS.backoff.message;
    event(job, 'Warning', reason, message);
    return withCondition(status, 'Failed', 'True', reason, message, now);
  };

  /** Finishing: stop what still runs, then write Complete/Failed once nothing does. */
  const syncFinishing = (job: KubeObject, memory: JobMemory, status: JobStatus, active: readonly KubeObject[]): void => {
    const written = commit(job, status);
    const deadline = (status.conditions ?? []).some((c) => c.type === 'FailureTarget' && c.reason === REASONS.deadline.reason);
    // activeDeadlineSeconds kills outright (SIGKILL); other endings terminate gracefully.
    const excused = hasCondition(status, 'SuccessCriteriaMet');
    active.forEach((pod) => deletePod(memory, pod, { gracePeriodSeconds: deadline ? 0 : undefined, excused }));
    const after = observe(written, memory, status);
    if (after.counts.active.length + after.counts.terminating.length > 0) {
      commit(written, after.status);
      return;
    }
    const idle = withTally(after.status, { active: 0, ready: 0, terminating: 0, succeeded: after.status.succeeded ?? 0, failed: after.status.failed ?? 0 });
    commit(written, terminalStatus(written, idle, toKubeTime(new Date())));
  };

  /** Running: deadline, backoff limit and completion checks, then top up the pods. */
  const syncActive = (job: KubeObject, memory: JobMemory, key: string, status: JobStatus, restarts: number): JobStatus => {
    const spec = specOf(job);
    const now = toKubeTime(new Date());
    if (spec.activeDeadlineSeconds !== undefined) {
      const deadline = Date.parse(status.startTime ?? now) + spec.activeDeadlineSeconds * 1000;
      if (Date.now() >= deadline) {
        return withCondition(status, 'FailureTarget', 'True', REASONS.deadline.reason, REASONS.deadline.message, now);
      }
      schedule(memory, key, 'deadline', deadline - Date.now());
    }
    const failed = status.failed ?? 0;
    // With restartPolicy OnFailure, container restarts count against backoffLimit too.
    if (failed + restarts > (spec.backoffLimit ?? 6)) {
      return withCondition(status, 'FailureTarget', 'True', REASONS.backoff.reason, REASONS.backoff.message, now);
    }
    const succeeded = status.succeeded ?? 0;
    const active = status.active ?? 0;
    const completions = spec.completions;
    if (completions === undefined ? succeeded > 0 && active === 0 : succeeded >= completions) {
      return withCondition(status, 'SuccessCriteriaMet', 'True', REASONS.completions.reason, REASONS.completions.message, now);
    }
    const parallelism = spec.parallelism ?? 1;
    const wanted = completions === undefined ? (succeeded > 0 ? 0 : parallelism) : Math.min(parallelism, completions - succeeded);
    const missing = wanted - active;
    const readyAt = failed > 0 ? memory.lastFailureAt + Math.min(options.backoffMs * 2 ** (failed - 1), 360_000) : 0;
    if (missing > 0 && Date.now() < readyAt) {
      schedule(memory, key, 'backoff', readyAt - Date.now());
      return status;
    }
    let created = 0;
    for (let i = 0; i < missing; i++) {
      created += createPod(job, memory) ? 1 : 0;
    }
    return created > 0 ? { ...status, active: active + created } : status;
  };

  const syncSuspended = (job: KubeObject, memory: JobMemory, status: JobStatus, active: readonly KubeObject[]): void => {
    active.forEach((pod) => deletePod(memory, pod, { excused: true }));
    // Suspension clears startTime (it restarts on resume) and turns active pods into terminating ones.
    const { startTime: _startTime, active: _active, ...rest } = status;
    const next = hasCondition(status, 'Suspended') ? rest : withCondition(rest, 'Suspended', 'True', 'JobSuspended', 'Job suspended', toKubeTime(new Date()));
    commit(job, { ...next, ready: 0, terminating: (status.terminating ?? 0) + active.length });
  };

  const syncJob = (job: KubeObject, memory: JobMemory, key: string, current: JobStatus): void => {
    const { counts, status } = observe(job, memory, current);
    if (specOf(job).suspend === true) {
      syncSuspended(job, memory, status, counts.active);
      return;
    }
    const now = toKubeTime(new Date());
    let next = status;
    if (hasCondition(next, 'Suspended')) {
      next = { ...withCondition(next, 'Suspended', 'False', 'JobResumed', 'Job resumed', now), startTime: now };
    }
    next = { ...next, startTime: next.startTime ?? now };
    if (!isFinishing(next)) {
      next = syncActive(job, memory, key, next, counts.restarts);
    }
    if (isFinishing(next)) {
      syncFinishing(job, memory, next, counts.active);
    } else {
      commit(job, next);
    }
  };

  const sync = (key: string): void => {
    const [namespace = '', name = ''] = key.split('/');
    const job = store.get(JOBS, namespace, name);
    if (!job) {
      memories.get(key)?.timers.forEach(clearTimeout);
      memories.delete(key);
      return;
    }
    const memory = memoryOf(key, job.metadata.uid ?? '');
    const status = statusOf(job);
    if (job.metadata.deletionTimestamp) {
      return;
    }
    if (isFinished(status)) {
      scheduleTtl(job, memory, key, status);
      return;
    }
    syncJob(job, memory, key, status);
  };

  const scheduleTtl = (job: KubeObject, memory: JobMemory, key: string, status: JobStatus): void => {
    const ttl = specOf(job).ttlSecondsAfterFinished;
    if (ttl === undefined || memory.timers.has('ttl')) {
      return;
    }
    const finishedAt = Date.parse(status.completionTime ?? (status.conditions ?? []).find((c) => c.type === 'Failed')?.lastTransitionTime ?? '') || Date.now();
    const timer = setTimeout(() => {
      try {
        deleter.delete(JOBS, job.metadata.namespace ?? '', job.metadata.name ?? '', { propagationPolicy: 'Foreground', preconditions: { uid: job.metadata.uid } });
      } catch (err) {
        log('ttl deletion skipped', { job: key, error: String(err) });
      }
    }, Math.max(0, finishedAt + ttl * 1000 - Date.now()));
    timer.unref();
    memory.timers.set('ttl', timer);
  };

  const queue = createWorkQueue(sync, (key, err) => log('job controller error', { job: key, error: String(err) }));
  const unsubscribe = store.subscribe((e) => {
    if (e.resource === JOBS) {
      queue.add(`${e.object.metadata.namespace ?? ''}/${e.object.metadata.name ?? ''}`);
    } else if (e.resource === PODS) {
      const owner = controllerRef(e.object);
      if (owner?.kind === 'Job') {
        queue.add(`${e.object.metadata.namespace ?? ''}/${owner.name}`);
      }
    }
  });

  return {
    close() {
      unsubscribe();
      queue.stop();
      memories.forEach((m) => m.timers.forEach(clearTimeout));
      memories.clear();
    },
  };
}
