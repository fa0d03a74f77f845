import { err, ok, type Result } from './result.ts';
import { isTerminalStatus, type RunStatus } from './run-status.ts';

/**
 * The run state machine of domain.md §3.3 as one pure function. The edge applies
 * the returned change with a compare-and-set on (status, lease_epoch), in the
 * same transaction as the flow event, so a lost race returns the current state.
 */

/** The part of a run the transitions read. */
export interface RunState {
  status: RunStatus;
  leaseOwner: string | null;
  /** Fencing epoch: incremented by every claim; writes must carry the current one. */
  leaseEpoch: number;
  /** The Job recorded by the last `job_started`, if any. */
  jobName?: string | null;
  namespace?: string | null;
  /** When the current lease runs out (null: none held). */
  leaseUntil?: Date | null;
}

/** Proof that the writer holds the lease. */
export interface LeaseHolder {
  owner: string;
  epoch: number;
}

export type RunEvent =
  | { kind: 'claim'; owner: string; leaseUntil: Date }
  /**
   * Take over a run whose holder is gone (domain.md §3.6): its lease ran out, or
   * its instance stopped heartbeating. The new holder adopts the Job.
   */
  | { kind: 'reclaim'; owner: string; leaseUntil: Date; ownerExpired: boolean }
  | ({ kind: 'heartbeat'; leaseUntil: Date } & LeaseHolder)
  | ({ kind: 'job_started'; jobName: string; namespace: string } & LeaseHolder)
  | ({ kind: 'job_succeeded' } & LeaseHolder)
  | ({ kind: 'job_failed'; reason: string } & LeaseHolder)
  | ({ kind: 'job_timed_out'; reason: string } & LeaseHolder)
  | { kind: 'cancel'; reason: string };

export interface RunChange {
  status: RunStatus;
  leaseOwner: string | null;
  leaseEpoch: number;
  leaseUntil: Date | null;
  /** Columns to set besides status and lease. */
  startedAt?: Date;
  finishedAt?: Date;
  closedAt?: Date;
  jobName?: string;
  namespace?: string;
  statusReason?: string | null;
  /** Flow event to append (domain.md §3.11); null for pure lease renewals. */
  eventType: string | null;
  /** The run already is in the requested state (a re-sent report): nothing to write. */
  noop: boolean;
}

export type TransitionError =
  | { kind: 'invalid_transition'; from: RunStatus; event: RunEvent['kind'] }
  | { kind: 'stale_lease'; expected: LeaseHolder; actual: { owner: string | null; epoch: number } };

const FINISH: Record<'job_succeeded' | 'job_failed' | 'job_timed_out', { status: RunStatus; eventType: string }> = {
  job_succeeded: { status: 'succeeded', eventType: 'run.succeeded' },
  job_failed: { status: 'failed', eventType: 'run.failed' },
  job_timed_out: { status: 'timed_out', eventType: 'run.timed_out' },
};

function holdsLease(run: RunState, who: LeaseHolder): boolean {
  return run.leaseOwner === who.owner && run.leaseEpoch === who.epoch;
}

function staleLease(run: RunState, who: LeaseHolder): Result<RunChange, TransitionError> {
  return err({ kind: 'stale_lease', expected: { owner: who.owner, epoch: who.epoch }, actual: { owner: run.leaseOwner, epoch: run.leaseEpoch } });
}

/** The run as it is (the lease too: a Job starting does not end the lease that covers it). */
function same(run: RunState, eventType: string | null, noop: boolean): RunChange {
  return { status: run.status, leaseOwner: run.leaseOwner, leaseEpoch: run.leaseEpoch, leaseUntil: run.leaseUntil ?? null, eventType, noop };
}

/**
 * Apply one event to a run.
 * @example
 * transitionRun({ status: 'pending', leaseOwner: null, leaseEpoch: 0 },
 *   { kind: 'claim', owner: 'c1/pod-a', leaseUntil: later }, now) // ok: running, epoch 1
 */
export function transitionRun(run: RunState, event: RunEvent, now: Date): Result<RunChange, TransitionError> {
  switch (event.kind) {
    case 'claim':
      if (run.status !== 'pending') {
        return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
      }
      return ok({
        status: 'running',
        leaseOwner: event.owner,
        leaseEpoch: run.leaseEpoch + 1,
        leaseUntil: event.leaseUntil,
        startedAt: now,
        eventType: 'run.claimed',
        noop: false,
      });
    case 'reclaim': {
      const leaseGone = run.leaseUntil === undefined || run.leaseUntil === null || run.leaseUntil.getTime() <= now.getTime();
      if (run.status !== 'running' || !(leaseGone || event.ownerExpired)) {
        return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
      }
      return ok({
        status: 'running',
        leaseOwner: event.owner,
        leaseEpoch: run.leaseEpoch + 1,
        leaseUntil: event.leaseUntil,
        eventType: 'run.reclaimed_after_stale_lease',
        noop: false,
      });
    }
    case 'heartbeat':
      if (!holdsLease(run, event)) {
        return staleLease(run, event);
      }
      if (isTerminalStatus(run.status)) {
        return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
      }
      return ok({ ...same(run, null, false), leaseUntil: event.leaseUntil });
    case 'job_started':
      if (!holdsLease(run, event)) {
        return staleLease(run, event);
      }
      if (run.status !== 'running') {
        return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
      }
      if (run.jobName === event.jobName && run.namespace === event.namespace) {
        // A re-sent report of the same Job: nothing new happened.
        return ok(same(run, null, true));
      }
      return ok({ ...same(run, 'run.started', false), jobName: event.jobName, namespace: event.namespace });
    case 'job_succeeded':
    case 'job_failed':
    case 'job_timed_out':
      return finish(run, event, now);
    case 'cancel':
      if (run.status === 'canceled') {
        return ok(same(run, null, true));
      }
      if (isTerminalStatus(run.status)) {
        return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
      }
      return ok({
        status: 'canceled',
        leaseOwner: null,
        leaseEpoch: run.leaseEpoch,
        leaseUntil: null,
        closedAt: now,
        statusReason: event.reason,
        eventType: 'run.canceled',
        noop: false,
      });
  }
}

function finish(
  run: RunState,
  event: Extract<RunEvent, { kind: 'job_succeeded' | 'job_failed' | 'job_timed_out' }>,
  now: Date,
): Result<RunChange, TransitionError> {
  const target = FINISH[event.kind];
  if (!holdsLease(run, event)) {
    return staleLease(run, event);
  }
  if (run.status === target.status) {
    // The agent re-sends reports it has no ack for; applying twice must be harmless.
    return ok(same(run, null, true));
  }
  if (run.status !== 'running') {
    return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
  }
  return ok({
    status: target.status,
    // The owner and epoch stay on the row so a re-sent report is recognised as ours.
    leaseOwner: run.leaseOwner,
    leaseEpoch: run.leaseEpoch,
    leaseUntil: null,
    finishedAt: now,
    closedAt: now,
    statusReason: 'reason' in event ? event.reason : null,
    eventType: target.eventType,
    noop: false,
  });
}
