/**
 * In-memory KubeGateway with the same semantics as the client-node one:
 * create-or-adopt Jobs, create-or-merge objects, ownership-guarded
 * namespaces, uid/resourceVersion-guarded patches and deletes. Each Job gets
 * one pod (Running unless a test says otherwise). Tests drive the "cluster"
 * (pod log lines, Job conditions, pod states, API failures) and read back
 * what the agent did (`mutations`).
 */
import type { KubernetesObject, V1Job, V1JobCondition, V1Namespace, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { err, ok } from '@stageline/policy';
import { toJobOutcome, toManagedJob, toNamespaceSnapshot } from '../../src/kube/job-status.ts';
import type { EnsureJobResult, EnsureNamespaceResult, GuardedWrite, JobOutcome, JobRef, KubeGateway, ManagedJob, NamespaceSnapshot } from '../../src/kube/kube-gateway.ts';
import { isOwnedBy, LABEL_KEYS } from '../../src/kube/manifests.ts';
import { matchesSelector } from './label-selector.ts';

export type Mutation =
  | { op: 'createNamespace' | 'patchNamespace' | 'deleteNamespace'; name: string }
  | { op: 'createObject' | 'patchObject'; kind: string; namespace: string; name: string }
  | { op: 'createJob' | 'patchJob' | 'deleteJob'; namespace: string; name: string }
  | { op: 'setJobOwner'; namespace: string; name: string; owner: string };

interface FakeJob {
  job: V1Job;
  pod: V1Pod;
  lines: string[];
  logEnded: boolean;
  logListeners: Set<() => void>;
  statusListeners: Set<() => void>;
}

type Op = Exclude<keyof KubeGateway, 'waitForJobOutcome' | 'followPodLog' | 'watchJobPods'>;

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
const clone = <T>(value: T): T => structuredClone(value);

export class FakeKubeGateway implements KubeGateway {
  readonly namespaces = new Map<string, V1Namespace>();
  readonly objects = new Map<string, KubernetesObject>();
  readonly mutations: Mutation[] = [];
  private readonly jobs = new Map<string, FakeJob>();
  private readonly failures = new Map<Op, { error: Error; sticky: boolean }>();
  private version = 1;
  private uids = 0;

  readonly installation: string;

  constructor(installation = 'stageline') {
    this.installation = installation;
  }

  /** The next call of `op` throws `error` (an API failure); `sticky` keeps failing until `heal(op)`. */
  failNext(op: Op, error: Error, sticky = false): void {
    this.failures.set(op, { error, sticky });
  }

  heal(op: Op): void {
    this.failures.delete(op);
  }

  /** Put a namespace into the cluster as someone (maybe not us) created it. */
  seedNamespace(ns: V1Namespace): void {
    const name = ns.metadata?.name ?? '';
    this.namespaces.set(name, { ...clone(ns), metadata: { ...clone(ns.metadata), uid: this.uid(), resourceVersion: this.bump(), creationTimestamp: ns.metadata?.creationTimestamp ?? new Date() } });
  }

  /** Put a Job into the cluster as if another (earlier) agent had created it. */
  seedJob(job: V1Job): void {
    this.addJob(job.metadata?.namespace ?? 'default', job);
  }

  markTerminating(name: string): void {
    const ns = this.namespaces.get(name) ?? { metadata: { name } };
    ns.metadata = { ...ns.metadata, deletionTimestamp: new Date(), resourceVersion: this.bump() };
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

  /** The Job's pod reports this status (e.g. Pending with a waiting reason). */
  setPodStatus(jobName: string, status: V1PodStatus): void {
    const entry = this.mustFind(jobName);
    entry.pod.status = clone(status);
    entry.statusListeners.forEach((listener) => listener());
  }

  /** The container exits: the log ends and the Job gets its terminal condition. */
  finishJob(jobName: string, condition: { type: 'Complete' | 'Failed'; reason?: string; message?: string }): void {
    const entry = this.mustFind(jobName);
    entry.logEnded = true;
    entry.logListeners.forEach((listener) => listener());
    const full: V1JobCondition = { type: condition.type, status: 'True', reason: condition.reason, message: condition.message };
    entry.job.status = { ...entry.job.status, conditions: [...(entry.job.status?.conditions ?? []), full] };
    entry.pod.status = { phase: condition.type === 'Complete' ? 'Succeeded' : 'Failed' };
    entry.statusListeners.forEach((listener) => listener());
  }

  async ensureNamespace(manifest: V1Namespace): Promise<EnsureNamespaceResult> {
    this.maybeFail('ensureNamespace');
    const name = manifest.metadata?.name ?? '';
    const existing = this.namespaces.get(name);
    if (!existing) {
      this.seedNamespace(manifest);
      this.mutations.push({ op: 'createNamespace', name });
      return ok({ kind: 'created' });
    }
    if (!isOwnedBy(existing.metadata?.labels, this.installation)) {
      return err({ kind: 'not_managed', name });
    }
    if (existing.metadata?.deletionTimestamp) {
      return err({ kind: 'terminating', name });
    }
    this.mergeNamespace(existing, manifest.metadata?.labels ?? {}, manifest.metadata?.annotations ?? {});
    this.mutations.push({ op: 'patchNamespace', name });
    return ok({ kind: 'updated' });
  }

  async applyObject(manifest: KubernetesObject): Promise<void> {
    this.maybeFail('applyObject');
    const kind = manifest.kind ?? '';
    const namespace = manifest.metadata?.namespace ?? '';
    const name = manifest.metadata?.name ?? '';
    const key = `${kind}:${keyOf(namespace, name)}`;
    const existing = this.objects.get(key);
    const labels = { ...existing?.metadata?.labels, ...manifest.metadata?.labels };
    this.objects.set(key, { ...existing, ...clone(manifest), metadata: { ...existing?.metadata, ...clone(manifest.metadata), labels } });
    this.mutations.push({ op: existing ? 'patchObject' : 'createObject', kind, namespace, name });
  }

  async ensureJob(namespace: string, manifest: V1Job): Promise<EnsureJobResult> {
    this.maybeFail('ensureJob');
    const name = manifest.metadata?.name ?? '';
    const existing = this.jobs.get(keyOf(namespace, name));
    if (!existing) {
      const entry = this.addJob(namespace, manifest);
      this.mutations.push({ op: 'createJob', namespace, name });
      return ok({ kind: 'created', job: toManagedJob(entry.job) });
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

  async setJobOwner(object: { kind: string; namespace: string; name: string }, job: { name: string; uid: string }): Promise<void> {
    this.maybeFail('setJobOwner');
    const stored = this.objects.get(`${object.kind}:${keyOf(object.namespace, object.name)}`);
    if (stored?.metadata) {
      stored.metadata.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: job.name, uid: job.uid, blockOwnerDeletion: false }];
    }
    this.mutations.push({ op: 'setJobOwner', namespace: object.namespace, name: object.name, owner: job.name });
  }

  async listManagedJobs(): Promise<ManagedJob[]> {
    this.maybeFail('listManagedJobs');
    return this.ownJobs().map((entry) => toManagedJob(entry.job));
  }

  async findRunJobs(runId: string): Promise<ManagedJob[]> {
    this.maybeFail('findRunJobs');
    return this.ownJobs()
      .filter((entry) => entry.job.metadata?.labels?.[LABEL_KEYS.runId] === runId)
      .map((entry) => toManagedJob(entry.job));
  }

  async deleteJob(namespace: string, name: string): Promise<'deleted' | 'not_found'> {
    this.maybeFail('deleteJob');
    const entry = this.jobs.get(keyOf(namespace, name));
    if (!entry) {
      return 'not_found';
    }
    this.jobs.delete(keyOf(namespace, name));
    this.mutations.push({ op: 'deleteJob', namespace, name });
    entry.logEnded = true;
    entry.logListeners.forEach((listener) => listener());
    entry.statusListeners.forEach((listener) => listener());
    return 'deleted';
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

  async listJobPods(ref: JobRef): Promise<V1Pod[]> {
    this.maybeFail('listJobPods');
    const entry = this.jobs.get(keyOf(ref.namespace, ref.name));
    return entry ? [clone(entry.pod)] : [];
  }

  watchJobPods(ref: JobRef, onPods: (pods: readonly V1Pod[]) => void, signal: AbortSignal): void {
    const entry = this.jobs.get(keyOf(ref.namespace, ref.name));
    if (!entry || signal.aborted) {
      // Like the informer: no pods is no news, the run waits.
      return;
    }
    const push = (): void => onPods(this.jobs.has(keyOf(ref.namespace, ref.name)) ? [clone(entry.pod)] : []);
    entry.statusListeners.add(push);
    signal.addEventListener('abort', () => entry.statusListeners.delete(push), { once: true });
    queueMicrotask(() => {
      if (!signal.aborted) {
        push();
      }
    });
  }

  followPodLog(ref: JobRef, _pod: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void> {
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

  async listNamespaces(labelSelector: string): Promise<NamespaceSnapshot[]> {
    this.maybeFail('listNamespaces');
    return [...this.namespaces.values()].filter((ns) => matchesSelector(ns.metadata?.labels ?? {}, labelSelector)).map((ns) => toNamespaceSnapshot(clone(ns)));
  }

  async readNamespace(name: string): Promise<NamespaceSnapshot | undefined> {
    this.maybeFail('readNamespace');
    const ns = this.namespaces.get(name);
    return ns ? toNamespaceSnapshot(clone(ns)) : undefined;
  }

  async patchNamespaceAnnotations(name: string, annotations: Record<string, string>, resourceVersion: string): Promise<GuardedWrite> {
    this.maybeFail('patchNamespaceAnnotations');
    const ns = this.namespaces.get(name);
    if (!ns) {
      return 'not_found';
    }
    if (ns.metadata?.resourceVersion !== resourceVersion) {
      return 'conflict';
    }
    this.mergeNamespace(ns, {}, annotations);
    this.mutations.push({ op: 'patchNamespace', name });
    return 'done';
  }

  async deleteNamespace(name: string, preconditions: { uid: string; resourceVersion: string }): Promise<GuardedWrite> {
    this.maybeFail('deleteNamespace');
    const ns = this.namespaces.get(name);
    if (!ns) {
      return 'not_found';
    }
    if (ns.metadata?.uid !== preconditions.uid || ns.metadata.resourceVersion !== preconditions.resourceVersion) {
      return 'conflict';
    }
    this.namespaces.delete(name);
    this.mutations.push({ op: 'deleteNamespace', name });
    return 'done';
  }

  async listBusyNamespaces(): Promise<Set<string>> {
    this.maybeFail('listBusyNamespaces');
    const busy = [...this.jobs.values()].filter((entry) => toJobOutcome(entry.job) === undefined).map((entry) => entry.job.metadata?.namespace ?? '');
    return new Set(busy);
  }

  private addJob(namespace: string, manifest: V1Job): FakeJob {
    const name = manifest.metadata?.name ?? 'job';
    const job: V1Job = { ...clone(manifest), metadata: { ...clone(manifest.metadata), namespace, uid: this.uid() }, status: { active: 1 } };
    const pod: V1Pod = { metadata: { name: `${name}-pod`, namespace, uid: this.uid(), labels: { 'job-name': name } }, status: { phase: 'Running' } };
    const entry: FakeJob = { job, pod, lines: [], logEnded: false, logListeners: new Set(), statusListeners: new Set() };
    this.jobs.set(keyOf(namespace, name), entry);
    return entry;
  }

  private mergeNamespace(ns: V1Namespace, labels: Record<string, string>, annotations: Record<string, string>): void {
    ns.metadata = {
      ...ns.metadata,
      labels: { ...ns.metadata?.labels, ...labels },
      annotations: { ...ns.metadata?.annotations, ...annotations },
      resourceVersion: this.bump(),
    };
  }

  private ownJobs(): FakeJob[] {
    return [...this.jobs.values()].filter(
      (entry) => entry.job.metadata?.labels?.[LABEL_KEYS.appManagedBy] === 'stageline-cluster-agent' && entry.job.metadata.labels[LABEL_KEYS.installation] === this.installation,
    );
  }

  private bump(): string {
    this.version += 1;
    return String(this.version);
  }

  private uid(): string {
    this.uids += 1;
    return `00000000-0000-4000-8000-${String(this.uids).padStart(12, '0')}`;
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

  private maybeFail(op: Op): void {
    const failure = this.failures.get(op);
    if (failure) {
      if (!failure.sticky) {
        this.failures.delete(op);
      }
      throw failure.error;
    }
  }
}
