/**
 * Pure reading of Job and Namespace objects: terminal outcome from the
 * conditions (docs/domain.md §5.4: `Complete` → succeeded, `Failed` with reason
 * `DeadlineExceeded` → timed_out, other `Failed` → failed with reason and
 * message), the run-id/epoch labels the agent wrote, and the namespace fields
 * the sweep and the lease keepalive read. Pod conditions are in pod-health.ts.
 */
import type { V1Job, V1Namespace } from '@kubernetes/client-node';
import type { ObservedJob } from '@stageline/protocol';
import { LABEL_KEYS } from './manifests.ts';
import type { JobOutcome, ManagedJob, NamespaceSnapshot } from './kube-gateway.ts';

const MAX_REASON = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toJobOutcome(job: V1Job): JobOutcome | undefined {
  const conditions = job.status?.conditions ?? [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  if (isTrue('Complete')) {
    return { status: 'succeeded' };
  }
  const failed = isTrue('Failed');
  if (!failed) {
    return undefined;
  }
  const reason = [failed.reason, failed.message].filter((part) => part !== undefined && part !== '').join(': ');
  const text = (reason || 'Failed').slice(0, MAX_REASON);
  return failed.reason === 'DeadlineExceeded' ? { status: 'timed_out', reason: text } : { status: 'failed', reason: text };
}

export function toManagedJob(job: V1Job): ManagedJob {
  const labels = job.metadata?.labels ?? {};
  const runId = labels[LABEL_KEYS.runId];
  const epochText = labels[LABEL_KEYS.leaseEpoch];
  const outcome = toJobOutcome(job);
  return {
    namespace: job.metadata?.namespace ?? '',
    name: job.metadata?.name ?? '',
    uid: job.metadata?.uid ?? '',
    runId: runId !== undefined && UUID.test(runId) ? runId : undefined,
    epoch: epochText !== undefined && /^\d+$/.test(epochText) ? Number(epochText) : undefined,
    phase: outcome === undefined ? 'active' : outcome.status === 'succeeded' ? 'succeeded' : 'failed',
    outcome,
  };
}

/** client-node turns timestamps into Dates; the sweep plan reads RFC 3339 text. */
function toTimestamp(value: Date | string | undefined): string | null {
  if (value === undefined) {
    return null;
  }
  return value instanceof Date ? value.toISOString() : value;
}

export function toNamespaceSnapshot(ns: V1Namespace): NamespaceSnapshot {
  return {
    name: ns.metadata?.name ?? '',
    uid: ns.metadata?.uid ?? '',
    resourceVersion: ns.metadata?.resourceVersion ?? '',
    labels: { ...ns.metadata?.labels },
    annotations: { ...ns.metadata?.annotations },
    creationTimestamp: toTimestamp(ns.metadata?.creationTimestamp),
    deletionTimestamp: toTimestamp(ns.metadata?.deletionTimestamp),
  };
}

/** The hello frame's `observedJobs`: Jobs with a run id and an epoch. */
export function toObservedJobs(jobs: readonly ManagedJob[]): ObservedJob[] {
  return jobs.flatMap((job) =>
    job.runId === undefined || job.epoch === undefined ? [] : [{ runId: job.runId, epoch: job.epoch, jobName: job.name, namespace: job.namespace, phase: job.phase }],
  );
}
