/**
 * In-memory KubeGateway with the same create-or-adopt semantics as the
 * client-node one. Tests drive the "cluster" (pod log lines, Job conditions,
 * API failures) and read back what the agent did (`mutations`).
 */
import type { V1Job, V1JobCondition, V1Namespace } from '@kubernetes/client-node';
import { err, ok } from '@stageline/policy';
import { toJobOutcome, toManagedJob } from '../../src/kube/job-status.ts';
import type { EnsureJobResult, EnsureNamespaceResult, JobOutcome, JobRef, KubeGateway, ManagedJob } from '../../src/kube/kube-gateway.ts';
import { LABEL_KEYS } from '../../src/kube/manifests.ts';

export type Mutation =
  | { op: 'createNamespace'; name: string }
  | { op: 'patchNamespace'; name: string }
  | { op: 'createJob'; namespace: string; name: string }
  | { op: 'patchJob'; namespace: string; name: string };

interface FakeJob {
  job: V1Job;
  lines: string[];
  logEnded: boolean;
  logListeners: Set<() => void>;
  statusListeners: Set<() => void>;
}

type FailableOp = 'ensureNamespace' | 'ensureJob' | 'listManagedJobs';

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export class FakeKubeGateway implements KubeGateway {
  readonly namespaces = new Map<string, V1Namespace>();
  readonly mutations: Mutation[] = [];
  private readonly jobs = new Map<string, FakeJob>();
  private readonly failures = new Map<FailableOp, Error>();

  /** The next call of `op` throws `error` (an API failure). */
  failNext(op: FailableOp, error: Error): void {
    this.failures.set(op, error);
  }

  /** Put a Job into the cluster as if another (earlier) agent had created it. */
  seedJob(job: V1Job): void {
    const namespace = job.metadata?.namespace ?? 'default';
    const name = job.metadata?.name ?? 'job';
    this.jobs.set(keyOf(namespace, name), { job: structuredClone(job), lines: [], logEnded: false, logListeners: new Set(), statusListeners: new Set() });
  }

  markTerminating(name: string): void {
    const ns = this.namespaces.get(name) ?? { metadata: { name } };
    ns.metadata = { ...ns.metadata, deletionTimestamp: new Date() };
    this.namespaces.set(name, ns);
  }

  jobNames(): string[] {
    return [...this.jobs.values()].map((entry) => entry.job.metadata?.name ?? '');
  }

  getJob(name: string): V1Job | undefined {
    return this.find(name)?.job;
  }

  /** Lines written by the Job's container. */
  writeLog(jobName: string, lines: string[]): void {
    const entry = this.mustFind(jobName);
    entry.lines.push(...lines);
    entry.logListeners.forEach((listener) => listener());
  }

  /** The container exits: the log ends and the Job gets its terminal condition. */
  finishJob(jobName: string, condition: { type: 'Complete' | 'Failed'; reason?: string; message?: string }): void {
    const entry = this.mustFind(jobName);
    entry.logEnded = true;
    entry.logListeners.forEach((listener) => listener());
    const full: V1JobCondition = { type: condition.type, status: 'True', reason: condition.reason, message: condition.message };
    entry.job.status = { ...entry.job.status, conditions: [...(entry.job.status?.conditions ?? []), full] };
    entry.statusListeners.forEach((listener) => listener());
  }

  deleteJob(jobName: string): void {
    const entry = this.mustFind(jobName);
    this.jobs.delete(keyOf(entry.job.metadata?.namespace ?? '', jobName));
    entry.statusListeners.forEach((listener) => listener());
  }

  async ensureNamespace(manifest: V1Namespace): Promise<EnsureNamespaceResult> {
    this.maybeFail('ensureNamespace');
    const name = manifest.metadata?.name ?? '';
    const existing = this.namespaces.get(name);
    if (!existing) {
      this.namespaces.set(name, structuredClone(manifest));
      this.mutations.push({ op: 'createNamespace', name });
      return ok({ kind: 'created' });
    }
    if (existing.metadata?.deletionTimestamp) {
      return err({ kind: 'terminating', name });
    }
    existing.metadata = {
      ...existing.metadata,
      labels: { ...existing.metadata?.labels, ...manifest.metadata?.labels },
      annotations: { ...existing.metadata?.annotations, ...manifest.metadata?.annotations },
    };
    this.mutations.push({ op: 'patchNamespace', name });
    return ok({ kind: 'updated' });
  }

  async ensureJob(namespace: string, manifest: V1Job): Promise<EnsureJobResult> {
    this.maybeFail('ensureJob');
    const name = manifest.metadata?.name ?? '';
    const existing = this.jobs.get(keyOf(namespace, name));
    if (!existing) {
      const job: V1Job = { ...structuredClone(manifest), metadata: { ...manifest.metadata, namespace }, status: { active: 1 } };
      this.jobs.set(keyOf(namespace, name), { job, lines: [], logEnded: false, logListeners: new Set(), statusListeners: new Set() });
      this.mutations.push({ op: 'createJob', namespace, name });
      return ok({ kind: 'created', job: toManagedJob(job) });
    }
    const found = existing.job.metadata?.labels ?? {};
    const wanted = manifest.metadata?.labels ?? {};
    if (found[LABEL_KEYS.runId] !== wanted[LABEL_KEYS.runId]) {
      return err({ kind: 'owned_by_other_run', name, otherRunId: found[LABEL_KEYS.runId] });
    }
    const epoch = wanted[LABEL_KEYS.leaseEpoch];
    if (epoch !== undefined && found[LABEL_KEYS.leaseEpoch] !== epoch) {
      existing.job.metadata = { ...existing.job.metadata, labels: { ...found, [LABEL_KEYS.leaseEpoch]: epoch } };
      this.mutations.push({ op: 'patchJob', namespace, name });
    }
    return ok({ kind: 'adopted', job: toManagedJob(existing.job) });
  }

  async listManagedJobs(): Promise<ManagedJob[]> {
    this.maybeFail('listManagedJobs');
    return [...this.jobs.values()]
      .filter((entry) => entry.job.metadata?.labels?.[LABEL_KEYS.appManagedBy] === 'stageline-cluster-agent')
      .map((entry) => toManagedJob(entry.job));
  }

  waitForJobOutcome(ref: JobRef, signal: AbortSignal): Promise<JobOutcome> {
    return new Promise((resolve, reject) => {
      const entry = this.jobs.get(keyOf(ref.namespace, ref.name));
      if (!entry) {
        resolve({ status: 'failed', reason: `job_not_found: job ${ref.namespace}/${ref.name} does not exist` });
        return;
      }
      const check = (): void => {
        if (!this.jobs.has(keyOf(ref.namespace, ref.name))) {
          done({ status: 'failed', reason: `job_deleted: job ${ref.name} was deleted before it finished` });
          return;
        }
        const outcome = toJobOutcome(entry.job);
        if (outcome) {
          done(outcome);
        }
      };
      const onAbort = (): void => {
        entry.statusListeners.delete(check);
        reject(signal.reason);
      };
      const done = (outcome: JobOutcome): void => {
        entry.statusListeners.delete(check);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      entry.statusListeners.add(check);
      check();
    });
  }

  followJobLog(ref: JobRef, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const entry = this.jobs.get(keyOf(ref.namespace, ref.name));
      if (!entry) {
        resolve();
        return;
      }
      let sent = 0;
      const pump = (): void => {
        while (sent < entry.lines.length) {
          onLine(entry.lines[sent] ?? '');
          sent += 1;
        }
        if (entry.logEnded) {
          stop();
        }
      };
      const stop = (): void => {
        entry.logListeners.delete(pump);
        signal.removeEventListener('abort', stop);
        resolve();
      };
      signal.addEventListener('abort', stop, { once: true });
      entry.logListeners.add(pump);
      pump();
    });
  }

  private find(name: string): FakeJob | undefined {
    return [...this.jobs.values()].find((entry) => entry.job.metadata?.name === name);
  }

  private mustFind(name: string): FakeJob {
    const entry = this.find(name);
    if (!entry) {
      throw new Error(`fake cluster has no job ${name}`);
    }
    return entry;
  }

  private maybeFail(op: FailableOp): void {
    const failure = this.failures.get(op);
    if (failure) {
      this.failures.delete(op);
      throw failure;
    }
  }
}
