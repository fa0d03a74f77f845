import { describe, expect, it } from 'vitest';
import { isParked, transitionRun, type RunState } from './transition-run.ts';

const now = new Date('2026-11-22T10:00:00Z');
const later = new Date('2026-11-22T10:45:00Z');
const pending: RunState = { status: 'pending', leaseOwner: null, leaseEpoch: 0 };
const running: RunState = { status: 'running', leaseOwner: 'c1/a', leaseEpoch: 3 };
const me = { owner: 'c1/a', epoch: 3 };

describe('transitionRun', () => {
  it('claims a pending run: running, new owner, next epoch, started_at', () => {
    const r = transitionRun(pending, { kind: 'claim', owner: 'c1/a', leaseUntil: later }, now);
    expect(r).toEqual({
      ok: true,
      value: {
        status: 'running',
        leaseOwner: 'c1/a',
        leaseEpoch: 1,
        leaseUntil: later,
        startedAt: now,
        eventType: 'run.claimed',
        noop: false,
      },
    });
  });

  it.each<RunState['status']>(['running', 'succeeded', 'failed', 'canceled'])('refuses to claim a %s run', (status) => {
    const r = transitionRun({ ...running, status }, { kind: 'claim', owner: 'c1/b', leaseUntil: later }, now);
    expect(r).toEqual({ ok: false, error: { kind: 'invalid_transition', from: status, event: 'claim' } });
  });

  it('records the Job on job_started, and the lease stays as it was', () => {
    const r = transitionRun({ ...running, leaseUntil: later }, { kind: 'job_started', ...me, jobName: 'j', namespace: 'ns' }, now);
    expect(r.ok && r.value).toMatchObject({ status: 'running', jobName: 'j', namespace: 'ns', eventType: 'run.started', leaseUntil: later });
  });

  it('treats a re-sent job_started for the recorded Job as a no-op', () => {
    const started: RunState = { ...running, jobName: 'j', namespace: 'ns' };
    const r = transitionRun(started, { kind: 'job_started', ...me, jobName: 'j', namespace: 'ns' }, now);
    expect(r.ok && r.value).toMatchObject({ noop: true, eventType: null });
    const other = transitionRun(started, { kind: 'job_started', ...me, jobName: 'k', namespace: 'ns' }, now);
    expect(other.ok && other.value).toMatchObject({ noop: false, jobName: 'k', eventType: 'run.started' });
  });

  it.each([
    ['job_succeeded', 'succeeded', 'run.succeeded'],
    ['job_failed', 'failed', 'run.failed'],
    ['job_timed_out', 'timed_out', 'run.timed_out'],
  ] as const)('%s finishes the run as %s', (kind, status, eventType) => {
    const event = kind === 'job_succeeded' ? { kind, ...me } : { kind, ...me, reason: 'r' };
    const r = transitionRun(running, event, now);
    expect(r.ok && r.value).toMatchObject({ status, eventType, finishedAt: now, closedAt: now, leaseUntil: null, noop: false });
  });

  it('treats a re-sent terminal report from the same holder as a no-op', () => {
    const done: RunState = { ...running, status: 'succeeded' };
    const r = transitionRun(done, { kind: 'job_succeeded', ...me }, now);
    expect(r.ok && r.value).toMatchObject({ status: 'succeeded', noop: true, eventType: null });
  });

  it('refuses a conflicting terminal report', () => {
    const done: RunState = { ...running, status: 'succeeded' };
    const r = transitionRun(done, { kind: 'job_failed', ...me, reason: 'x' }, now);
    expect(r).toEqual({ ok: false, error: { kind: 'invalid_transition', from: 'succeeded', event: 'job_failed' } });
  });

  it.each([
    ['another owner', { owner: 'c1/b', epoch: 3 }],
    ['an older epoch', { owner: 'c1/a', epoch: 2 }],
  ])('fences writes from %s', (_name, who) => {
    for (const event of [
      { kind: 'job_succeeded' as const, ...who },
      { kind: 'heartbeat' as const, ...who, leaseUntil: later },
      { kind: 'job_started' as const, ...who, jobName: 'j', namespace: 'n' },
    ]) {
      const r = transitionRun(running, event, now);
      expect(r).toEqual({ ok: false, error: { kind: 'stale_lease', expected: who, actual: { owner: 'c1/a', epoch: 3 } } });
    }
  });

  describe('reclaim', () => {
    const held: RunState = { ...running, leaseUntil: later };
    it('takes over an expired lease with the next epoch', () => {
      const r = transitionRun({ ...held, leaseUntil: now }, { kind: 'reclaim', owner: 'c1/b', leaseUntil: later, ownerExpired: false }, now);
      expect(r.ok && r.value).toMatchObject({ status: 'running', leaseOwner: 'c1/b', leaseEpoch: 4, eventType: 'run.reclaimed_after_stale_lease' });
    });
    it('takes over a live lease whose holder stopped heartbeating', () => {
      const r = transitionRun(held, { kind: 'reclaim', owner: 'c1/b', leaseUntil: later, ownerExpired: true }, now);
      expect(r.ok && r.value.leaseOwner).toBe('c1/b');
    });
    it('refuses to take a live lease of a live holder', () => {
      const r = transitionRun(held, { kind: 'reclaim', owner: 'c1/b', leaseUntil: later, ownerExpired: false }, now);
      expect(r.ok).toBe(false);
    });
    it.each<RunState['status']>(['pending', 'succeeded', 'canceled'])('refuses a %s run', (status) => {
      const r = transitionRun({ ...held, status, leaseUntil: null }, { kind: 'reclaim', owner: 'c1/b', leaseUntil: later, ownerExpired: true }, now);
      expect(r.ok).toBe(false);
    });
  });

  it('extends the lease on heartbeat without a flow event', () => {
    const r = transitionRun(running, { kind: 'heartbeat', ...me, leaseUntil: later }, now);
    expect(r.ok && r.value).toMatchObject({ status: 'running', leaseUntil: later, eventType: null, noop: false });
  });

  it('cancels any active run and is idempotent', () => {
    const r = transitionRun(running, { kind: 'cancel', reason: 'staff' }, now);
    expect(r.ok && r.value).toMatchObject({ status: 'canceled', leaseOwner: null, closedAt: now, eventType: 'run.canceled' });
    const again = transitionRun({ ...running, status: 'canceled' }, { kind: 'cancel', reason: 'staff' }, now);
    expect(again.ok && again.value.noop).toBe(true);
    const terminal = transitionRun({ ...running, status: 'failed' }, { kind: 'cancel', reason: 'staff' }, now);
    expect(terminal.ok).toBe(false);
  });

  describe('waits', () => {
    const since = new Date('2026-11-22T09:58:00Z');
    const waiting: RunState = {
      ...running,
      status: 'waiting_mcp',
      leaseUntil: later,
      jobName: 'j',
      namespace: 'ns',
      waitReason: 'approval_pending',
      waitTarget: 'req-1',
      waitSince: since,
      waitedMs: 1000,
      attemptNo: 1,
    };

    it.each([
      ['wait_mcp', 'waiting_mcp', 'run.wait.paused'],
      ['wait_owner_review', 'waiting_owner_review', 'run.owner_review.entered'],
    ] as const)('%s moves the holder\'s running run to %s with the wait detail, keeping the lease', (kind, status, eventType) => {
      const r = transitionRun({ ...running, leaseUntil: later }, { kind, ...me, reason: 'approval_pending', target: 'req-1' }, now);
      expect(r.ok && r.value).toMatchObject({ status, waitReason: 'approval_pending', waitTarget: 'req-1', waitSince: now, leaseOwner: 'c1/a', leaseEpoch: 3, leaseUntil: later, eventType, noop: false });
    });

    it('takes a late-reported start, but never one in the future', () => {
      const early = transitionRun(running, { kind: 'wait_mcp', ...me, reason: 'r', target: 't', since }, now);
      expect(early.ok && early.value.waitSince).toEqual(since);
      const future = transitionRun(running, { kind: 'wait_mcp', ...me, reason: 'r', target: 't', since: later }, now);
      expect(future.ok && future.value.waitSince).toEqual(now);
    });

    it('treats the same wait reported again as a no-op, and refuses a wait from a wait, pending or a finished run', () => {
      const again = transitionRun(waiting, { kind: 'wait_mcp', ...me, reason: 'approval_pending', target: 'req-1' }, now);
      expect(again.ok && again.value).toMatchObject({ noop: true, eventType: null });
      for (const from of [waiting, { ...running, status: 'pending' as const }, { ...running, status: 'succeeded' as const }]) {
        const r = transitionRun(from, { kind: 'wait_owner_review', ...me, reason: 'owner_review', target: 'pr' }, now);
        expect(r).toEqual({ ok: false, error: { kind: 'invalid_transition', from: from.status, event: 'wait_owner_review' } });
      }
    });

    it('lets only the holder start or end a wait', () => {
      const other = { owner: 'c1/b', epoch: 3 };
      expect(transitionRun(running, { kind: 'wait_mcp', ...other, reason: 'r', target: 't' }, now).ok).toBe(false);
      expect(transitionRun(waiting, { kind: 'resume', ...other, newAttempt: false }, now)).toEqual({
        ok: false,
        error: { kind: 'stale_lease', expected: other, actual: { owner: 'c1/a', epoch: 3 } },
      });
    });

    it('resumes in the same Job: running, wait cleared, the wait added to waitedMs', () => {
      const r = transitionRun(waiting, { kind: 'resume', ...me, newAttempt: false }, now);
      expect(r.ok && r.value).toMatchObject({
        status: 'running',
        leaseOwner: 'c1/a',
        leaseEpoch: 3,
        waitReason: null,
        waitTarget: null,
        waitSince: null,
        waitedMs: 1000 + 120_000,
        eventType: 'run.wait.resumed',
      });
      const again = transitionRun({ ...waiting, status: 'running', waitSince: null }, { kind: 'resume', ...me, newAttempt: false }, now);
      expect(again.ok && again.value.noop).toBe(true);
    });

    it('resumes as a new attempt: pending, lease released, next attempt with no Job, pause still open until the claim', () => {
      const r = transitionRun(waiting, { kind: 'resume', ...me, newAttempt: true }, now);
      expect(r.ok && r.value).toMatchObject({ status: 'pending', leaseOwner: null, leaseUntil: null, leaseEpoch: 3, jobName: null, attemptNo: 2, waitReason: null, waitTarget: null, eventType: 'run.wait.resumed' });
      expect(r.ok && 'waitSince' in r.value).toBe(false);
      const requeued: RunState = { ...waiting, status: 'pending', leaseOwner: null, leaseUntil: null, waitReason: null, waitTarget: null, jobName: null, attemptNo: 2 };
      const claimed = transitionRun(requeued, { kind: 'claim', owner: 'c1/b', leaseUntil: later }, later);
      expect(claimed.ok && claimed.value).toMatchObject({ status: 'running', leaseOwner: 'c1/b', leaseEpoch: 4, waitSince: null, waitedMs: 1000 + 47 * 60_000 });
    });

    it('refuses a resume of a run that does not wait', () => {
      const r = transitionRun({ ...running, status: 'running' }, { kind: 'resume', ...me, newAttempt: true }, now);
      expect(r).toEqual({ ok: false, error: { kind: 'invalid_transition', from: 'running', event: 'resume' } });
    });

    it.each<RunState['status']>(['waiting_mcp', 'waiting_owner_review'])('takes over a %s run whose holder died; the wait stays', (status) => {
      const r = transitionRun({ ...waiting, status, leaseUntil: now }, { kind: 'reclaim', owner: 'c1/b', leaseUntil: later, ownerExpired: false }, now);
      expect(r.ok && r.value).toMatchObject({ status, leaseOwner: 'c1/b', leaseEpoch: 4, eventType: 'run.reclaimed_after_stale_lease' });
      expect(r.ok && 'waitReason' in r.value).toBe(false);
    });

    it('renews the lease of a waiting run on the holder\'s heartbeat', () => {
      const until = new Date('2026-11-22T11:00:00Z');
      const r = transitionRun(waiting, { kind: 'heartbeat', ...me, leaseUntil: until }, now);
      expect(r.ok && r.value).toMatchObject({ status: 'waiting_mcp', leaseUntil: until, eventType: null, noop: false });
    });

    it('cancels a waiting run: lease and wait cleared, the wait added to waitedMs', () => {
      const r = transitionRun(waiting, { kind: 'cancel', reason: 'staff' }, now);
      expect(r.ok && r.value).toMatchObject({ status: 'canceled', leaseOwner: null, waitReason: null, waitTarget: null, waitSince: null, waitedMs: 121_000 });
    });

    it('parks the run when the Job succeeds during a wait: no lease, no Job, the wait kept; a failure or timeout ends the run', () => {
      const ended = transitionRun(waiting, { kind: 'job_succeeded', ...me }, now);
      expect(ended.ok && ended.value).toMatchObject({ status: 'waiting_mcp', leaseOwner: null, leaseUntil: null, jobName: null, eventType: 'run.wait.parked', noop: false });
      const parked: RunState = { ...waiting, leaseOwner: null, leaseUntil: null, jobName: null };
      expect(isParked(parked)).toBe(true);
      // The same success re-sent is acknowledged; nobody can take the parked run over or renew it.
      expect(transitionRun(parked, { kind: 'job_succeeded', ...me }, now)).toMatchObject({ ok: true, value: { noop: true } });
      expect(transitionRun(parked, { kind: 'reclaim', owner: 'c1/b', leaseUntil: later, ownerExpired: true }, now)).toMatchObject({ ok: false, error: { kind: 'invalid_transition' } });
      expect(transitionRun(parked, { kind: 'heartbeat', ...me, leaseUntil: later }, now)).toMatchObject({ ok: false, error: { kind: 'stale_lease' } });
      // Its wake queues the next attempt; a live (not parked) wait cannot be woken.
      expect(transitionRun(parked, { kind: 'wake' }, now)).toMatchObject({ ok: true, value: { status: 'pending', leaseOwner: null, attemptNo: 2, waitReason: null, waitTarget: null, eventType: 'run.wait.resumed' } });
      expect(transitionRun(waiting, { kind: 'wake' }, now)).toMatchObject({ ok: false, error: { kind: 'invalid_transition' } });
      const failed = transitionRun(waiting, { kind: 'job_timed_out', ...me, reason: 'DeadlineExceeded' }, now);
      expect(failed.ok && failed.value).toMatchObject({ status: 'timed_out', waitReason: null, waitSince: null, waitedMs: 121_000, closedAt: now });
      const review: RunState = { ...waiting, status: 'waiting_owner_review' };
      expect(transitionRun(review, { kind: 'job_failed', ...me, reason: 'x' }, now)).toEqual({
        ok: false,
        error: { kind: 'invalid_transition', from: 'waiting_owner_review', event: 'job_failed' },
      });
    });
  });
});
