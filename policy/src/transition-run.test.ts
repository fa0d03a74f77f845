import { describe, expect, it } from 'vitest';
import { transitionRun, type RunState } from './transition-run.ts';

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
});
