/**
 * The life of an approval request (docs/domain.md §6.4):
 *
 *   requested ──approve──► approved ──applied──► applied
 *       │                      └─────failed──► failed
 *       ├──deny──► denied
 *       ├──expire (at or after the deadline)──► expired
 *       └──applied (an executor already did it)──► applied
 *
 * The first valid decision wins: every later one is refused with the request
 * as it is, so the console, Telegram and an HTTP approver racing each other
 * give exactly one outcome. Pure: the edge applies the change with a
 * compare-and-set on the state it read.
 */

export const APPROVAL_STATES = ['requested', 'approved', 'applied', 'failed', 'denied', 'expired', 'withdrawn'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

export const TERMINAL_APPROVAL_STATES: readonly ApprovalState[] = ['applied', 'failed', 'denied', 'expired', 'withdrawn'];

export type ApprovalChannel = 'console' | 'http_approver' | 'telegram' | 'system';

export interface ApprovalSnapshot {
  state: ApprovalState;
  expiresAt: Date;
  decidedBy: string | null;
}

export type ApprovalEvent =
  | { kind: 'decide'; decision: 'approved' | 'denied'; actor: string; channel: ApprovalChannel; reason: string | null }
  | { kind: 'expire' }
  | { kind: 'apply_result'; ok: boolean; error: string | null }
  /** An external executor reports it has done the action itself. */
  | { kind: 'executor_applied'; actor: string; channel: ApprovalChannel; reason: string | null }
  /** The run ended (canceled, failed, timed out) before anyone decided: nobody may decide any more. */
  | { kind: 'withdraw'; reason: string };

export interface ApprovalChange {
  state: ApprovalState;
  /** Set when a person or approver decided; the request keeps the first one. */
  decidedBy?: string;
  channel?: ApprovalChannel;
  reason?: string | null;
  /** The audit event (flow event type). */
  eventType: 'approval.approved' | 'approval.denied' | 'approval.expired' | 'approval.applied' | 'approval.failed' | 'approval.withdrawn';
  /** Whether the run's wait on this request is over. */
  endsWait: boolean;
}

export type ApprovalRefusal =
  | { kind: 'already_decided'; state: ApprovalState; decidedBy: string | null }
  | { kind: 'expired' }
  | { kind: 'not_applying'; state: ApprovalState };

export type ApprovalResult = { ok: true; change: ApprovalChange } | { ok: false; refusal: ApprovalRefusal };

const refuse = (refusal: ApprovalRefusal): ApprovalResult => ({ ok: false, refusal });
const change = (c: ApprovalChange): ApprovalResult => ({ ok: true, change: c });

export function isTerminalApprovalState(state: ApprovalState): boolean {
  return TERMINAL_APPROVAL_STATES.includes(state);
}

export function transitionApproval(request: ApprovalSnapshot, event: ApprovalEvent, now: Date): ApprovalResult {
  switch (event.kind) {
    case 'decide':
    case 'executor_applied': {
      if (request.state !== 'requested') {
        return refuse({ kind: 'already_decided', state: request.state, decidedBy: request.decidedBy });
      }
      if (now.getTime() >= request.expiresAt.getTime()) {
        // The sweep may not have run yet; a late answer must not win over the deadline.
        return refuse({ kind: 'expired' });
      }
      if (event.kind === 'executor_applied') {
        return change({ state: 'applied', decidedBy: event.actor, channel: event.channel, reason: event.reason, eventType: 'approval.applied', endsWait: true });
      }
      return event.decision === 'approved'
        ? change({ state: 'approved', decidedBy: event.actor, channel: event.channel, reason: event.reason, eventType: 'approval.approved', endsWait: false })
        : change({ state: 'denied', decidedBy: event.actor, channel: event.channel, reason: event.reason, eventType: 'approval.denied', endsWait: true });
    }
    case 'expire':
      if (request.state !== 'requested') {
        return refuse({ kind: 'already_decided', state: request.state, decidedBy: request.decidedBy });
      }
      if (now.getTime() < request.expiresAt.getTime()) {
        return refuse({ kind: 'not_applying', state: request.state });
      }
      return change({ state: 'expired', decidedBy: 'system:expiry', channel: 'system', reason: 'no decision before the deadline', eventType: 'approval.expired', endsWait: true });
    case 'withdraw':
      // Only an undecided request: an approved one is already on its way to the cluster, whose report settles it.
      if (request.state !== 'requested') {
        return refuse({ kind: 'already_decided', state: request.state, decidedBy: request.decidedBy });
      }
      return change({ state: 'withdrawn', decidedBy: 'system:run_ended', channel: 'system', reason: event.reason, eventType: 'approval.withdrawn', endsWait: false });
    case 'apply_result':
      if (request.state !== 'approved') {
        return refuse({ kind: 'not_applying', state: request.state });
      }
      return event.ok
        ? change({ state: 'applied', eventType: 'approval.applied', endsWait: true })
        : change({ state: 'failed', reason: event.error, eventType: 'approval.failed', endsWait: true });
  }
}
