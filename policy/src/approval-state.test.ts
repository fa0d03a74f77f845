import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTerminalApprovalState, transitionApproval, type ApprovalEvent, type ApprovalSnapshot } from './approval-state.ts';

const now = new Date('2026-12-05T12:00:00Z');
const later = new Date('2026-12-05T13:00:00Z');
const open: ApprovalSnapshot = { state: 'requested', expiresAt: later, decidedBy: null };
const approve: ApprovalEvent = { kind: 'decide', decision: 'approved', actor: 'staff:alice', channel: 'console', reason: null };
const deny: ApprovalEvent = { kind: 'decide', decision: 'denied', actor: 'telegram:42', channel: 'telegram', reason: 'not now' };

describe('transitionApproval', () => {
  it('approves, then applies or fails; the wait ends only with the outcome', () => {
    const approved = transitionApproval(open, approve, now);
    expect(approved).toEqual({ ok: true, change: { state: 'approved', decidedBy: 'staff:alice', channel: 'console', reason: null, eventType: 'approval.approved', endsWait: false } });
    const snapshot: ApprovalSnapshot = { state: 'approved', expiresAt: later, decidedBy: 'staff:alice' };
    expect(transitionApproval(snapshot, { kind: 'apply_result', ok: true, error: null }, now)).toEqual({ ok: true, change: { state: 'applied', eventType: 'approval.applied', endsWait: true } });
    expect(transitionApproval(snapshot, { kind: 'apply_result', ok: false, error: 'forbidden' }, now)).toEqual({ ok: true, change: { state: 'failed', reason: 'forbidden', eventType: 'approval.failed', endsWait: true } });
  });

  it('denies, and an executor may report the action done', () => {
    expect(transitionApproval(open, deny, now)).toMatchObject({ ok: true, change: { state: 'denied', decidedBy: 'telegram:42', reason: 'not now', endsWait: true } });
    expect(transitionApproval(open, { kind: 'executor_applied', actor: 'approver:e1:bot', channel: 'http_approver', reason: null }, now)).toMatchObject({ ok: true, change: { state: 'applied', endsWait: true } });
  });

  it('the first decision wins: a later one is refused with who decided', () => {
    const decided: ApprovalSnapshot = { state: 'denied', expiresAt: later, decidedBy: 'telegram:42' };
    expect(transitionApproval(decided, approve, now)).toEqual({ ok: false, refusal: { kind: 'already_decided', state: 'denied', decidedBy: 'telegram:42' } });
    expect(transitionApproval(decided, { kind: 'expire' }, later)).toEqual({ ok: false, refusal: { kind: 'already_decided', state: 'denied', decidedBy: 'telegram:42' } });
  });

  it('expires only at or after the deadline, and a decision after it is refused even before the sweep', () => {
    expect(transitionApproval(open, { kind: 'expire' }, now)).toEqual({ ok: false, refusal: { kind: 'not_applying', state: 'requested' } });
    expect(transitionApproval(open, { kind: 'expire' }, later)).toMatchObject({ ok: true, change: { state: 'expired', endsWait: true, eventType: 'approval.expired' } });
    expect(transitionApproval(open, approve, later)).toEqual({ ok: false, refusal: { kind: 'expired' } });
  });

  it('withdraws an undecided request when its run ended; a decided one keeps its decision, and nothing decides a withdrawn one', () => {
    const withdraw: ApprovalEvent = { kind: 'withdraw', reason: 'run canceled' };
    expect(transitionApproval(open, withdraw, now)).toEqual({ ok: true, change: { state: 'withdrawn', decidedBy: 'system:run_ended', channel: 'system', reason: 'run canceled', eventType: 'approval.withdrawn', endsWait: false } });
    const approved: ApprovalSnapshot = { state: 'approved', expiresAt: later, decidedBy: 'staff:alice' };
    expect(transitionApproval(approved, withdraw, now)).toEqual({ ok: false, refusal: { kind: 'already_decided', state: 'approved', decidedBy: 'staff:alice' } });
    const withdrawn: ApprovalSnapshot = { state: 'withdrawn', expiresAt: later, decidedBy: 'system:run_ended' };
    expect(transitionApproval(withdrawn, approve, now)).toEqual({ ok: false, refusal: { kind: 'already_decided', state: 'withdrawn', decidedBy: 'system:run_ended' } });
    expect(isTerminalApprovalState('withdrawn')).toBe(true);
  });

  it('an apply result for a request that is not approved is refused', () => {
    expect(transitionApproval(open, { kind: 'apply_result', ok: true, error: null }, now)).toEqual({ ok: false, refusal: { kind: 'not_applying', state: 'requested' } });
  });

  it('for any sequence of events, a terminal state never changes and at most one decider is recorded', () => {
    const arbEvent = fc.oneof(
      fc.record({ kind: fc.constant('decide' as const), decision: fc.constantFrom('approved' as const, 'denied' as const), actor: fc.constantFrom('a', 'b', 'c'), channel: fc.constantFrom('console' as const, 'telegram' as const, 'http_approver' as const), reason: fc.constant(null) }),
      fc.constant({ kind: 'expire' as const }),
      fc.record({ kind: fc.constant('apply_result' as const), ok: fc.boolean(), error: fc.constant(null) }),
      fc.record({ kind: fc.constant('executor_applied' as const), actor: fc.constant('x'), channel: fc.constant('http_approver' as const), reason: fc.constant(null) }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(arbEvent, fc.boolean()), { maxLength: 12 }), (steps) => {
        let s: ApprovalSnapshot = { ...open };
        let deciders = 0;
        for (const [event, late] of steps) {
          const before = s.state;
          const r = transitionApproval(s, event, late ? later : now);
          if (isTerminalApprovalState(before)) {
            expect(r.ok).toBe(false);
          }
          if (r.ok) {
            if (r.change.decidedBy !== undefined) {
              deciders += 1;
            }
            s = { ...s, state: r.change.state, decidedBy: r.change.decidedBy ?? s.decidedBy };
          }
        }
        expect(deciders).toBeLessThanOrEqual(1);
      }),
    );
  });
});
