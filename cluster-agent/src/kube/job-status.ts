/**
 * Pure reading of Job objects: terminal outcome from the conditions (domain.md
 * §5.4: `Complete` → succeeded, `Failed` with reason `DeadlineExceeded` →
 * timed_out, other `Failed` → failed with reason and message), and the
 * run-id/epoch labels the agent wrote.
 */
import type { V1Job } from '@kubernetes/client-node';
import { LABEL_KEYS } from './manifests.ts';
import type { JobOutcome, ManagedJob } from './kube-gateway.ts';

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
    runId: runId !== undefined && UUID.test(runId) ? runId : undefined,
    epoch: epochText !== undefined && /^\d+$/.test(epochText) ? Number(epochText) : undefined,
    phase: outcome === undefined ? 'active' : outcome.status === 'succeeded' ? 'succeeded' : 'failed',
    outcome,
  };
}
