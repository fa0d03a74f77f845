import { err, ok, type Result } from './result.ts';
import { isHeldStatus, isTerminalStatus, isWaitStatus, type RunStatus } from './run-status.ts';

/**
 * The run state machine of docs/domain.md §3.3 as one pure function. The edge applies
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
  /** The wait's detail while the run waits (docs/architecture.md, "Waits"). */
  waitReason?: string | null;
  waitTarget?: string | null;
  /** Since when the run has not been running: the wait's start, kept through a requeued attempt's queue time. */
  waitSince?: Date | null;
  /** Time since the first claim spent not running (closed pauses); excluded from the execution budget. */
  waitedMs?: number;
  /** The attempt whose Job runs (`stageline-run-<run>-<attempt>`). */
  attemptNo?: number;
}

/** Proof that the writer holds the lease. */
export interface LeaseHolder {
  owner: string;
  epoch: number;
}

export type RunEvent =
  | { kind: 'claim'; owner: string; leaseUntil: Date }
  /**
   * Take over a run whose holder is gone (docs/domain.md §3.6): its lease ran out, or
   * its instance stopped heartbeating. The new holder adopts the Job.
   */
  | { kind: 'reclaim'; owner: string; leaseUntil: Date; ownerExpired: boolean }
  | ({ kind: 'heartbeat'; leaseUntil: Date } & LeaseHolder)
  | ({ kind: 'job_started'; jobName: string; namespace: string } & LeaseHolder)
  | ({ kind: 'job_succeeded' } & LeaseHolder)
  | ({ kind: 'job_failed'; reason: string } & LeaseHolder)
  | ({ kind: 'job_timed_out'; reason: string } & LeaseHolder)
  /**
   * The holder's run stops to wait: for an MCP request (an approval, a person's
   * decision) or for the owner's review. `reason` and `target` say what it waits
   * for (e.g. `approval_pending` + the request id); `since` is when the wait
   * began if it is reported late (a re-sent frame), else now.
   */
  | ({ kind: 'wait_mcp' | 'wait_owner_review'; reason: string; target: string; since?: Date } & LeaseHolder)
  /**
   * The wait is over. `newAttempt: false`: the Job is alive and the run goes on
   * running under the same lease. `newAttempt: true`: the Job has ended (its
   * runner saved the session), so the run goes back to `pending` as the next
   * attempt, its lease released, and the next claim starts a new Job.
   */
  | ({ kind: 'resume'; newAttempt: boolean } & LeaseHolder)
  /**
   * The wait of a parked run is over (its Job ended while it waited, see
   * `isParked`): the run goes back to `pending` as the next attempt, whose Job
   * resumes the stored session with the outcome. No holder: the edge decides.
   */
  | { kind: 'wake' }
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
  /** null clears the recorded Job (a new attempt has not started one yet). */
  jobName?: string | null;
  namespace?: string;
  statusReason?: string | null;
  /** Wait columns to set; null clears them. Absent: unchanged. */
  waitReason?: string | null;
  waitTarget?: string | null;
  waitSince?: Date | null;
  waitedMs?: number;
  attemptNo?: number;
  /** Flow event to append (docs/domain.md §3.11); null for pure lease renewals. */
  eventType: string | null;
  /** The run already is in the requested state (a re-sent report): nothing to write. */
  noop: boolean;
}

export type TransitionError =
  | { kind: 'invalid_transition'; from: RunStatus; event: RunEvent['kind'] }
  | { kind: 'stale_lease'; expected: LeaseHolder; actual: { owner: string | null; epoch: number } };

const WAIT: Record<'wait_mcp' | 'wait_owner_review', { status: RunStatus; eventType: string }> = {
  wait_mcp: { status: 'waiting_mcp', eventType: 'run.wait.paused' },
  wait_owner_review: { status: 'waiting_owner_review', eventType: 'run.owner_review.entered' },
};

const FINISH: Record<'job_succeeded' | 'job_failed' | 'job_timed_out', { status: RunStatus; eventType: string }> = {
  job_succeeded: { status: 'succeeded', eventType: 'run.succeeded' },
  job_failed: { status: 'failed', eventType: 'run.failed' },
  job_timed_out: { status: 'timed_out', eventType: 'run.timed_out' },
};

/**
 * A waiting run whose Job has ended (the runner saved the session and exited
 * while the run waited for a person): it keeps its slot, namespace and wait,
 * but no lease and no Job, so nothing renews, takes over or restarts it until
 * the wait is over (`wake`).
 */
export function isParked(run: Pick<RunState, 'status' | 'leaseOwner' | 'jobName'>): boolean {
  return isWaitStatus(run.status) && run.leaseOwner === null && (run.jobName ?? null) === null;
}

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
        // A requeued attempt's time in the queue is not running time.
        ...endPause(run, now),
        eventType: 'run.claimed',
        noop: false,
      });
    case 'reclaim': {
      const leaseGone = run.leaseUntil === undefined || run.leaseUntil === null || run.leaseUntil.getTime() <= now.getTime();
      // A waiting run is held too: its holder dying must not strand it. The wait stays as it is.
      // A parked run has no Job to adopt: only its wake makes it claimable again.
      if (!isHeldStatus(run.status) || isParked(run) || !(leaseGone || event.ownerExpired)) {
        return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
      }
      return ok({
        status: run.status,
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
      return startJob(run, event);
    case 'job_succeeded':
    case 'job_failed':
    case 'job_timed_out':
      return finish(run, event, now);
    case 'wait_mcp':
    case 'wait_owner_review':
      return enterWait(run, event, now);
    case 'resume':
      return resume(run, event, now);
    case 'wake':
      if (!isParked(run)) {
        return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
      }
      // The pause goes on until the next claim, so queue time is not charged to the budget.
      return ok({ status: 'pending', leaseOwner: null, leaseEpoch: run.leaseEpoch, leaseUntil: null, jobName: null, attemptNo: (run.attemptNo ?? 1) + 1, ...NO_WAIT, eventType: 'run.wait.resumed', noop: false });
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
        ...endPause(run, now),
        ...NO_WAIT,
        eventType: 'run.canceled',
        noop: false,
      });
  }
}

const NO_WAIT = { waitReason: null, waitTarget: null } as const;

/**
 * Close the pause that started at `waitSince` (a wait, or a requeued attempt
 * in the queue): its length joins `waitedMs`, which the execution budget
 * excludes (`executionTimeMs`). Nothing when the run was not paused.
 */
function endPause(run: RunState, now: Date): Pick<RunChange, 'waitSince' | 'waitedMs'> {
  if (run.waitSince === undefined || run.waitSince === null) {
    return {};
  }
  return { waitSince: null, waitedMs: (run.waitedMs ?? 0) + Math.max(0, now.getTime() - run.waitSince.getTime()) };
}

function startJob(run: RunState, event: Extract<RunEvent, { kind: 'job_started' }>): Result<RunChange, TransitionError> {
  if (!holdsLease(run, event)) {
    return staleLease(run, event);
  }
  const sameJob = run.jobName === event.jobName && run.namespace === event.namespace;
  if (sameJob && isHeldStatus(run.status)) {
    // A re-sent report of the same Job (also after the run began to wait): nothing new happened.
    return ok(same(run, null, true));
  }
  if (run.status !== 'running') {
    return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
  }
  return ok({ ...same(run, 'run.started', false), jobName: event.jobName, namespace: event.namespace });
}

function enterWait(run: RunState, event: Extract<RunEvent, { kind: 'wait_mcp' | 'wait_owner_review' }>, now: Date): Result<RunChange, TransitionError> {
  const target = WAIT[event.kind];
  if (!holdsLease(run, event)) {
    return staleLease(run, event);
  }
  if (run.status === target.status && run.waitReason === event.reason && run.waitTarget === event.target) {
    // The same wait reported again (a re-sent frame): keep the first start.
    return ok(same(run, null, true));
  }
  if (run.status !== 'running') {
    return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
  }
  const since = event.since !== undefined && event.since.getTime() < now.getTime() ? event.since : now;
  return ok({
    ...same(run, target.eventType, false),
    status: target.status,
    waitReason: event.reason,
    waitTarget: event.target,
    waitSince: since,
  });
}

function resume(run: RunState, event: Extract<RunEvent, { kind: 'resume' }>, now: Date): Result<RunChange, TransitionError> {
  if (!holdsLease(run, event)) {
    return staleLease(run, event);
  }
  if (run.status === 'running' && !event.newAttempt) {
    // Already resumed: a re-sent resume changes nothing.
    return ok(same(run, null, true));
  }
  if (!isWaitStatus(run.status)) {
    return err({ kind: 'invalid_transition', from: run.status, event: event.kind });
  }
  if (!event.newAttempt) {
    return ok({ ...same(run, 'run.wait.resumed', false), status: 'running', ...endPause(run, now), ...NO_WAIT });
  }
  // The Job has ended: queue the next attempt. The pause goes on (waitSince
  // stays) until the next claim, so queue time is not charged to the budget.
  return ok({
    status: 'pending',
    leaseOwner: null,
    leaseEpoch: run.leaseEpoch,
    leaseUntil: null,
    jobName: null,
    attemptNo: (run.attemptNo ?? 1) + 1,
    ...NO_WAIT,
    eventType: 'run.wait.resumed',
    noop: false,
  });
}

function finish(
  run: RunState,
  event: Extract<RunEvent, { kind: 'job_succeeded' | 'job_failed' | 'job_timed_out' }>,
  now: Date,
): Result<RunChange, TransitionError> {
  const target = FINISH[event.kind];
  if (isParked(run) && event.kind === 'job_succeeded' && event.epoch === run.leaseEpoch) {
    // The parked attempt's success, re-sent: already taken into account.
    return ok(same(run, null, true));
  }
  if (!holdsLease(run, event)) {
    return staleLease(run, event);
  }
  if (run.status === target.status) {
    // The agent re-sends reports it has no ack for; applying twice must be harmless.
    return ok(same(run, null, true));
  }
  if (isWaitStatus(run.status) && event.kind === 'job_succeeded') {
    // A Job that ends while its run waits ends the attempt, not the run: the
    // run parks (no lease, no Job, the wait kept) until its wait is over.
    return ok({ status: run.status, leaseOwner: null, leaseEpoch: run.leaseEpoch, leaseUntil: null, jobName: null, eventType: 'run.wait.parked', noop: false });
  }
  // A Job that fails or runs out of time during a live MCP or backpressure wait
  // ends the run; a run in owner review already saw its Job succeed.
  if (run.status !== 'running' && !(run.status === 'waiting_mcp' || run.status === 'waiting_backpressure')) {
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
    ...endPause(run, now),
    ...(isWaitStatus(run.status) ? NO_WAIT : {}),
    eventType: target.eventType,
    noop: false,
  });
}
