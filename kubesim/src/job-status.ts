/**
 * Job status arithmetic, kept pure: which pods count as active, ready,
 * terminating, succeeded or failed, and the conditions the job controller
 * writes (Kubernetes 1.31+: SuccessCriteriaMet / FailureTarget first, then
 * Complete / Failed once no pod is left running).
 */
import type { IJobStatus } from 'kubernetes-models/batch/v1/JobStatus';
import type { KubeObject } from './kube-object.ts';
import { isRecord } from './kube-object.ts';

export type JobStatus = IJobStatus;
type Condition = NonNullable<JobStatus['conditions']>[number];

export interface PodCounts {
  active: KubeObject[];
  terminating: KubeObject[];
  ready: number;
  restarts: number;
}

export function podPhaseOf(pod: KubeObject): string {
  return isRecord(pod['status']) ? String(pod['status']['phase'] ?? '') : '';
}

export function isTerminalPod(pod: KubeObject): boolean {
  const phase = podPhaseOf(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

function isReady(pod: KubeObject): boolean {
  const conditions = isRecord(pod['status']) ? pod['status']['conditions'] : undefined;
  return Array.isArray(conditions) && conditions.some((c: unknown) => isRecord(c) && c['type'] === 'Ready' && c['status'] === 'True');
}

function restartsOf(pod: KubeObject): number {
  const statuses = isRecord(pod['status']) ? pod['status']['containerStatuses'] : undefined;
  return Array.isArray(statuses) ? statuses.reduce((n: number, s: unknown) => n + (isRecord(s) ? Number(s['restartCount'] ?? 0) : 0), 0) : 0;
}

export function countPods(pods: readonly KubeObject[]): PodCounts {
  const running = pods.filter((p) => !isTerminalPod(p));
  const active = running.filter((p) => !p.metadata.deletionTimestamp);
  return {
    active,
    terminating: running.filter((p) => p.metadata.deletionTimestamp),
    ready: active.filter(isReady).length,
    restarts: active.reduce((n, p) => n + restartsOf(p), 0),
  };
}

export function hasCondition(status: JobStatus, type: string): boolean {
  return (status.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

export function isFinished(status: JobStatus): boolean {
  return hasCondition(status, 'Complete') || hasCondition(status, 'Failed');
}

export function withCondition(status: JobStatus, type: string, conditionStatus: 'True' | 'False', reason: string, message: string, now: string): JobStatus {
  const condition: Condition = { type, status: conditionStatus, reason, message, lastProbeTime: now, lastTransitionTime: now };
  const others = (status.conditions ?? []).filter((c) => c.type !== type);
  return { ...status, conditions: [...others, condition] };
}

export interface Tally {
  active: number;
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
}

/** Zero succeeded/failed/active are omitted (omitempty); ready and terminating are pointers and stay. */
export function withTally(status: JobStatus, tally: Tally): JobStatus {
  const next: JobStatus = { ...status, ready: tally.ready, terminating: tally.terminating, uncountedTerminatedPods: {} };
  for (const field of ['active', 'succeeded', 'failed'] as const) {
    if (tally[field] > 0) {
      next[field] = tally[field];
    } else {
      delete next[field];
    }
  }
  return next;
}

export const REASONS = {
  completions: { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
  backoff: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' },
  deadline: { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' },
} as const;
