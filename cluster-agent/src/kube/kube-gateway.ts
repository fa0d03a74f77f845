/**
 * The port between the dispatcher and Kubernetes. ClientNodeGateway talks to a
 * real API server (or kubesim); test/fakes/fake-kube-gateway.ts keeps state in
 * memory. Expected outcomes (a terminating or foreign namespace, a Job name
 * taken by another run, a precondition that no longer holds) are Results or
 * small unions; API failures throw Error with a `cause`.
 *
 * A gateway serves one installation (`stageline.dev/cluster-agent`): it lists
 * and adopts only that installation's Jobs and refuses namespaces it does not
 * manage.
 */
import type { KubernetesObject, V1Job, V1Namespace, V1Pod } from '@kubernetes/client-node';
import type { ObservedNamespace, Result } from '@stageline/policy';
import type { PodView } from './pod-health.ts';

/** Terminal state of a Job as the edge needs it (docs/domain.md §5.4). */
export type JobOutcome =
  | { status: 'succeeded' }
  | { status: 'failed'; reason: string }
  | { status: 'timed_out'; reason: string };

export type JobPhase = 'active' | 'succeeded' | 'failed';

export interface JobRef {
  namespace: string;
  name: string;
  runId: string;
}

/** A Job carrying `app.kubernetes.io/managed-by=stageline-cluster-agent`. */
export interface ManagedJob {
  namespace: string;
  name: string;
  uid: string;
  /** From the run-id label; undefined when missing or not a run id. */
  runId: string | undefined;
  /** From the lease-epoch label. */
  epoch: number | undefined;
  phase: JobPhase;
  outcome: JobOutcome | undefined;
}

/** A namespace as listed, with what a guarded delete or patch needs. */
export interface NamespaceSnapshot extends ObservedNamespace {
  uid: string;
  resourceVersion: string;
}

export type EnsureNamespaceResult = Result<
  { kind: 'created' | 'updated' },
  { kind: 'terminating'; name: string } | { kind: 'not_managed'; name: string }
>;

export type EnsureJobResult = Result<
  { kind: 'created' | 'adopted'; job: ManagedJob },
  { kind: 'owned_by_other_run'; name: string; otherRunId: string | undefined }
>;

/** What a write guarded by uid/resourceVersion did. */
export type GuardedWrite = 'done' | 'conflict' | 'not_found';

export interface KubeGateway {
  /**
   * Create the namespace, or merge our labels and annotations into an existing
   * one of this installation. Never touches a namespace it does not manage.
   */
  ensureNamespace(manifest: V1Namespace): Promise<EnsureNamespaceResult>;
  /** Create a namespaced object, or merge-patch it onto the existing one (idempotent). */
  applyObject(manifest: KubernetesObject): Promise<void>;
  /**
   * Create the Job; when the name exists and carries the same run-id label it is
   * adopted (its lease-epoch label is moved to ours), otherwise it is an error.
   */
  ensureJob(namespace: string, manifest: V1Job): Promise<EnsureJobResult>;
  /** Make the Job the only owner of a namespaced object, so it is garbage-collected with it. */
  setJobOwner(object: { apiVersion: string; kind: string; namespace: string; name: string }, job: { name: string; uid: string }): Promise<void>;
  /** Every Job of this installation (hello `observedJobs`). */
  listManagedJobs(): Promise<ManagedJob[]>;
  /** This installation's Jobs of one run, in any namespace (cancel, adoption look-ups). */
  findRunJobs(runId: string): Promise<ManagedJob[]>;
  /** Delete with propagationPolicy Background (the pods go too). */
  deleteJob(namespace: string, name: string): Promise<'deleted' | 'not_found'>;
  /** Resolves when the Job reaches a terminal condition (or disappears); rejects when `signal` aborts. */
  waitForJobOutcome(ref: JobRef, signal: AbortSignal): Promise<JobOutcome>;
  /** The Job's pods (label `job-name`). */
  listJobPods(ref: JobRef): Promise<V1Pod[]>;
  /**
   * Calls `onPods` with the Job's pods once known, then after every change to
   * them, until `signal` aborts. All runs share one watch.
   */
  watchJobPods(ref: JobRef, onPods: (pods: readonly PodView[]) => void, signal: AbortSignal): void;
  /**
   * Follow the log of a pod's container `run` from the start; calls `onLine`
   * per line and resolves when the stream ends or `signal` aborts.
   */
  followPodLog(ref: JobRef, pod: string, onLine: (line: string) => void, signal: AbortSignal): Promise<void>;
  listNamespaces(labelSelector: string): Promise<NamespaceSnapshot[]>;
  readNamespace(name: string): Promise<NamespaceSnapshot | undefined>;
  /** Merge annotations into a namespace, only if it is still at `resourceVersion`. */
  patchNamespaceAnnotations(name: string, annotations: Record<string, string>, resourceVersion: string): Promise<GuardedWrite>;
  /** Delete a namespace only if it still has this uid and resourceVersion. */
  deleteNamespace(name: string, preconditions: { uid: string; resourceVersion: string }): Promise<GuardedWrite>;
  /** Namespaces with a run Job that has not finished or a run Pod that is Pending or Running. */
  listBusyNamespaces(): Promise<Set<string>>;
}
