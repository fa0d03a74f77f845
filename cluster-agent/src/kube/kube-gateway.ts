/**
 * The port between the dispatcher and Kubernetes. ClientNodeGateway talks to a
 * real API server (or kubesim); test/fakes/fake-kube-gateway.ts keeps state in
 * memory. Expected outcomes (a terminating namespace, a Job name taken by
 * another run) are Results; API failures throw Error with a `cause`.
 */
import type { V1Job, V1Namespace } from '@kubernetes/client-node';
import type { Result } from '@stageline/policy';

/** Terminal state of a Job as the edge needs it (domain.md §5.4). */
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
  /** From the run-id label; undefined when missing or not a run id. */
  runId: string | undefined;
  /** From the lease-epoch label. */
  epoch: number | undefined;
  phase: JobPhase;
  outcome: JobOutcome | undefined;
}

export type EnsureNamespaceResult = Result<{ kind: 'created' | 'updated' }, { kind: 'terminating'; name: string }>;

export type EnsureJobResult = Result<
  { kind: 'created' | 'adopted'; job: ManagedJob },
  { kind: 'owned_by_other_run'; name: string; otherRunId: string | undefined }
>;

export interface KubeGateway {
  /** Create the namespace, or merge our labels and annotations into an existing one. */
  ensureNamespace(manifest: V1Namespace): Promise<EnsureNamespaceResult>;
  /**
   * Create the Job; when the name exists and carries the same run-id label it is
   * adopted (its lease-epoch label is moved to ours), otherwise it is an error.
   */
  ensureJob(namespace: string, manifest: V1Job): Promise<EnsureJobResult>;
  /** Every managed Job in the cluster (hello `observedJobs`, adoption at start-up). */
  listManagedJobs(): Promise<ManagedJob[]>;
  /** Resolves when the Job reaches a terminal condition (or disappears); rejects when `signal` aborts. */
  waitForJobOutcome(ref: JobRef, signal: AbortSignal): Promise<JobOutcome>;
  /**
   * Follow the log of the Job's pod (container `run`) from the start; calls
   * `onLine` per line and resolves when the stream ends or `signal` aborts.
   */
  followJobLog(ref: JobRef, onLine: (line: string) => void, signal: AbortSignal): Promise<void>;
}
