import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { executionTimeMs } from './execution-budget.ts';
import { isHeldStatus, isTerminalStatus, isWaitStatus } from './run-status.ts';
import { isParked, transitionRun, type RunChange, type RunEvent, type RunState } from './transition-run.ts';

/**
 * Random event sequences from several instances against one run, applied the
 * way the edge applies them (docs/architecture.md, "Waits"): every accepted
 * change is written back, then the invariants are checked after each step.
 */

const INSTANCES = ['c1/a', 'c1/b', 'c1/c'] as const;
const KINDS = [
  'claim',
  'reclaim',
  'heartbeat',
  'job_started',
  'job_succeeded',
  'job_failed',
  'job_timed_out',
  'wait_mcp',
  'wait_owner_review',
  'resume',
  'wake',
  'cancel',
] as const satisfies readonly RunEvent['kind'][];

interface Step {
  kind: (typeof KINDS)[number];
  /** 'holder' writes as the current lease owner; otherwise as that instance. */
  who: 'holder' | (typeof INSTANCES)[number];
  /** Added to the current epoch: -1 is a stale holder, +1 a forged one. */
  epochDelta: -1 | 0 | 1;
  advanceMs: number;
  leaseTtlMs: number;
  ownerExpired: boolean;
  newAttempt: boolean;
  job: string;
  reason: string;
  target: string;
  lateMs: number;
}

// Weighted so that sequences reach the waits before a cancel ends them.
const arbKind = fc.oneof(
  { arbitrary: fc.constantFrom(...KINDS.filter((kind) => kind !== 'cancel')), weight: 30 },
  { arbitrary: fc.constant('cancel' as const), weight: 1 },
);

const arbStep: fc.Arbitrary<Step> = fc.record({
  kind: arbKind,
  who: fc.constantFrom('holder' as const, 'holder' as const, 'holder' as const, ...INSTANCES),
  epochDelta: fc.constantFrom(-1 as const, 0 as const, 0 as const, 0 as const, 0 as const, 1 as const),
  advanceMs: fc.integer({ min: 0, max: 3_600_000 }),
  leaseTtlMs: fc.constantFrom(0, 60_000, 2_700_000),
  ownerExpired: fc.boolean(),
  newAttempt: fc.boolean(),
  job: fc.constantFrom('j1', 'j2'),
  reason: fc.constantFrom('approval_pending', 'interaction_response', 'owner_review'),
  target: fc.constantFrom('req-1', 'req-2'),
  lateMs: fc.integer({ min: 0, max: 600_000 }),
});

interface Model extends RunState {
  startedAt: Date | null;
  closedAt: Date | null;
}

function toEvent(run: Model, step: Step, now: Date): RunEvent {
  const owner = step.who === 'holder' ? (run.leaseOwner ?? 'c1/a') : step.who;
  const holder = { owner, epoch: run.leaseEpoch + step.epochDelta };
  const leaseUntil = new Date(now.getTime() + step.leaseTtlMs);
  switch (step.kind) {
    case 'claim':
      return { kind: 'claim', owner, leaseUntil };
    case 'reclaim':
      return { kind: 'reclaim', owner, leaseUntil, ownerExpired: step.ownerExpired };
    case 'heartbeat':
      return { kind: 'heartbeat', ...holder, leaseUntil };
    case 'job_started':
      return { kind: 'job_started', ...holder, jobName: step.job, namespace: 'ns' };
    case 'job_succeeded':
      return { kind: 'job_succeeded', ...holder };
    case 'job_failed':
    case 'job_timed_out':
      return { kind: step.kind, ...holder, reason: 'r' };
    case 'wait_mcp':
    case 'wait_owner_review':
      return { kind: step.kind, ...holder, reason: step.reason, target: step.target, since: new Date(now.getTime() - step.lateMs) };
    case 'resume':
      return { kind: 'resume', ...holder, newAttempt: step.newAttempt };
    case 'wake':
      return { kind: 'wake' };
    case 'cancel':
      return { kind: 'cancel', reason: 'staff' };
  }
}

/** What the edge's compare-and-set writes (edge/src/db/run-repo.ts applyChange). */
function apply(run: Model, change: RunChange): Model {
  return {
    ...run,
    status: change.status,
    leaseOwner: change.leaseOwner,
    leaseEpoch: change.leaseEpoch,
    leaseUntil: change.leaseUntil,
    startedAt: run.startedAt ?? change.startedAt ?? null,
    closedAt: change.closedAt ?? run.closedAt,
    ...(change.jobName !== undefined ? { jobName: change.jobName, namespace: change.namespace ?? run.namespace ?? null } : {}),
    ...(change.waitReason !== undefined ? { waitReason: change.waitReason } : {}),
    ...(change.waitTarget !== undefined ? { waitTarget: change.waitTarget } : {}),
    ...(change.waitSince !== undefined ? { waitSince: change.waitSince } : {}),
    ...(change.waitedMs !== undefined ? { waitedMs: change.waitedMs } : {}),
    ...(change.attemptNo !== undefined ? { attemptNo: change.attemptNo } : {}),
  };
}

const start: Model = {
  status: 'pending',
  leaseOwner: null,
  leaseEpoch: 0,
  leaseUntil: null,
  jobName: null,
  namespace: null,
  waitReason: null,
  waitTarget: null,
  waitSince: null,
  waitedMs: 0,
  attemptNo: 1,
  startedAt: null,
  closedAt: null,
};
const t0 = new Date('2026-11-22T10:00:00Z').getTime();
const HOLDER_GATED = new Set<RunEvent['kind']>(['heartbeat', 'job_started', 'job_succeeded', 'job_failed', 'job_timed_out', 'wait_mcp', 'wait_owner_review', 'resume']);

describe('transitionRun over random event sequences', () => {
  it('never leaves a terminal status, never lowers the epoch, and never lets two instances hold the run', () => {
    // Transitions the sequences reached, to prove below that the waits were exercised.
    const seen = new Set<string>();
    const property = fc.property(fc.array(arbStep, { minLength: 1, maxLength: 60 }), (steps) => {
      let run = start;
      let clock = t0;
      // Every epoch is granted to exactly one instance, ever.
      const grantedTo = new Map<number, string>();
      for (const step of steps) {
        clock += step.advanceMs;
        const now = new Date(clock);
        const event = toEvent(run, step, now);
        const result = transitionRun(run, event, now);
        if (!result.ok) {
          continue;
        }
        const change = result.value;
        if (event.kind === 'reclaim' && !event.ownerExpired) {
          // A live holder keeps its run: no takeover before its lease ran out.
          expect(run.leaseUntil === null || run.leaseUntil === undefined || run.leaseUntil.getTime() <= now.getTime()).toBe(true);
        }
        if (isTerminalStatus(run.status)) {
          // A re-sent report or cancel is acknowledged, never applied.
          expect(change.noop).toBe(true);
        }
        if (isParked(run) && event.kind === 'job_succeeded') {
          // The former holder's success, re-sent after the park: acknowledged, nothing written.
          expect(change.noop).toBe(true);
          expect(event.epoch).toBe(run.leaseEpoch);
        } else if (HOLDER_GATED.has(event.kind) && 'owner' in event && 'epoch' in event) {
          // Only the current holder with the current epoch gets a write (or an ack) through.
          expect({ owner: event.owner, epoch: event.epoch }).toEqual({ owner: run.leaseOwner, epoch: run.leaseEpoch });
        }
        if (change.noop) {
          continue;
        }
        if (event.kind === 'wait_mcp' || event.kind === 'wait_owner_review') {
          // Waits start only from running (the holder check is above).
          expect(run.status).toBe('running');
        }
        expect(change.leaseEpoch).toBeGreaterThanOrEqual(run.leaseEpoch);
        if (change.leaseOwner !== null && change.leaseOwner !== run.leaseOwner) {
          // A new holder only by claim or takeover, and always under a new epoch.
          expect(['claim', 'reclaim']).toContain(event.kind);
          expect(change.leaseEpoch).toBe(run.leaseEpoch + 1);
        }
        if (change.leaseEpoch !== run.leaseEpoch) {
          expect(grantedTo.has(change.leaseEpoch)).toBe(false);
          grantedTo.set(change.leaseEpoch, change.leaseOwner ?? '');
        }
        seen.add(`${run.status} -${event.kind}-> ${change.status}`);
        run = apply(run, change);
        checkRun(run, grantedTo);
      }
    });
    // A fresh seed on every run explores new sequences; a fixed one besides
    // makes the coverage check below certain (an unseeded run once missed
    // 'waiting_owner_review -resume-> pending', CI of 2026-12-05).
    fc.assert(property, { numRuns: 2000 });
    fc.assert(property, { numRuns: 2000, seed: 20261205 });
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'running -wait_mcp-> waiting_mcp',
        'running -wait_owner_review-> waiting_owner_review',
        'waiting_mcp -resume-> running',
        'waiting_mcp -resume-> pending',
        'waiting_mcp -job_succeeded-> waiting_mcp',
        'waiting_mcp -wake-> pending',
        'waiting_owner_review -resume-> pending',
        'waiting_mcp -reclaim-> waiting_mcp',
        'waiting_owner_review -reclaim-> waiting_owner_review',
        'waiting_mcp -job_failed-> failed',
        'waiting_mcp -cancel-> canceled',
        'pending -claim-> running',
      ]),
    );
  });

  it('charges the execution budget only for time spent running', () => {
    // Waits reported on time (a late `since` back-dates the pause by design).
    const onTime = arbStep.map((step) => ({ ...step, lateMs: 0 }));
    fc.assert(
      fc.property(fc.array(onTime, { minLength: 1, maxLength: 60 }), (steps) => {
        let run = start;
        let clock = t0;
        let running = 0;
        for (const step of steps) {
          clock += step.advanceMs;
          if (run.status === 'running') {
            running += step.advanceMs;
          }
          const now = new Date(clock);
          const result = transitionRun(run, toEvent(run, step, now), now);
          if (result.ok && !result.value.noop) {
            run = apply(run, result.value);
          }
          expect(executionTimeMs(run, now)).toBe(running);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

/** What must hold of every stored run. */
function checkRun(run: Model, grantedTo: ReadonlyMap<number, string>): void {
  if (isHeldStatus(run.status) && !isParked(run)) {
    // A running or waiting run has exactly one holder: the one its epoch was granted to (a parked one has none).
    expect(run.leaseOwner).not.toBeNull();
    expect(grantedTo.get(run.leaseEpoch)).toBe(run.leaseOwner);
  }
  if (run.status === 'pending' || run.status === 'canceled') {
    expect(run.leaseOwner).toBeNull();
  }
  // Wait details exist exactly while the run waits.
  expect(run.waitReason !== null).toBe(isWaitStatus(run.status));
  expect(run.waitTarget !== null).toBe(isWaitStatus(run.status));
  if (run.waitSince !== null) {
    expect(isWaitStatus(run.status) || run.status === 'pending').toBe(true);
  } else {
    expect(isWaitStatus(run.status)).toBe(false);
  }
}
