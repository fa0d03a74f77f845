import type { V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { toJobOutcome, toManagedJob, toNamespaceSnapshot, toObservedJobs } from './job-status.ts';

const runId = '3f2a9b1c-0000-4000-8000-000000000001';
const withConditions = (conditions: Array<{ type: string; status: string; reason?: string; message?: string }>): V1Job => ({ status: { conditions } });

describe('toJobOutcome', () => {
  it.each([
    ['no status', {}, undefined],
    ['no terminal condition', withConditions([{ type: 'Suspended', status: 'False' }]), undefined],
    ['FailureTarget only (not final yet)', withConditions([{ type: 'FailureTarget', status: 'True' }]), undefined],
    ['Complete', withConditions([{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True' }]), { status: 'succeeded' }],
    ['Complete=False', withConditions([{ type: 'Complete', status: 'False' }]), undefined],
    [
      'DeadlineExceeded',
      withConditions([{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }]),
      { status: 'timed_out', reason: 'DeadlineExceeded: Job was active longer than specified deadline' },
    ],
    [
      'BackoffLimitExceeded',
      withConditions([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }]),
      { status: 'failed', reason: 'BackoffLimitExceeded: Job has reached the specified backoff limit' },
    ],
    ['Failed without reason', withConditions([{ type: 'Failed', status: 'True' }]), { status: 'failed', reason: 'Failed' }],
  ])('%s', (_name, job, want) => {
    expect(toJobOutcome(job as V1Job)).toEqual(want);
  });

  it('caps the reason at 500 characters', () => {
    const outcome = toJobOutcome(withConditions([{ type: 'Failed', status: 'True', reason: 'X', message: 'm'.repeat(900) }]));
    expect(outcome?.status === 'failed' && outcome.reason.length).toBe(500);
  });
});

describe('toManagedJob', () => {
  it('reads name, run id, epoch and phase', () => {
    const job: V1Job = {
      metadata: { name: 'j', namespace: 'ns', uid: 'u-1', labels: { 'stageline.dev/run-id': runId, 'stageline.dev/lease-epoch': '4' } },
      status: { conditions: [{ type: 'Complete', status: 'True' }] },
    };
    expect(toManagedJob(job)).toEqual({ name: 'j', namespace: 'ns', uid: 'u-1', runId, epoch: 4, phase: 'succeeded', outcome: { status: 'succeeded' } });
  });

  it('ignores labels that are not a run id or an epoch', () => {
    const job: V1Job = { metadata: { name: 'j', namespace: 'ns', labels: { 'stageline.dev/run-id': 'not-a-uuid', 'stageline.dev/lease-epoch': 'x' } } };
    expect(toManagedJob(job)).toMatchObject({ runId: undefined, epoch: undefined, phase: 'active' });
  });
});

describe('toObservedJobs', () => {
  it('reports jobs with a run id and an epoch, skips the rest', () => {
    const good = toManagedJob({ metadata: { name: 'a', namespace: 'ns', labels: { 'stageline.dev/run-id': runId, 'stageline.dev/lease-epoch': '2' } } });
    const bad = toManagedJob({ metadata: { name: 'b', namespace: 'ns', labels: {} } });
    expect(toObservedJobs([good, bad])).toEqual([{ runId, epoch: 2, jobName: 'a', namespace: 'ns', phase: 'active' }]);
  });
});

describe('toNamespaceSnapshot', () => {
  it('reads the fields the sweep and the keepalive need, timestamps as RFC 3339 text', () => {
    const snapshot = toNamespaceSnapshot({
      metadata: { name: 'ns-1', uid: 'u', resourceVersion: '7', labels: { a: 'b' }, creationTimestamp: new Date('2026-01-01T00:00:00Z'), deletionTimestamp: undefined },
    });
    expect(snapshot).toEqual({ name: 'ns-1', uid: 'u', resourceVersion: '7', labels: { a: 'b' }, annotations: {}, creationTimestamp: '2026-01-01T00:00:00.000Z', deletionTimestamp: null });
  });
});
