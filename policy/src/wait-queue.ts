/**
 * Why a run waits, for the console's wait queue (docs/domain.md §8.3). Pure:
 * the edge gathers the facts (the run, its project's slots in use, whether
 * its cluster has a live agent) and asks here.
 *
 * A pending run waits for one of three things, in this order: a cluster at
 * all (no project cluster, or no live agent there), a free slot of its
 * project, or just its turn (an agent will claim it on the next
 * announcement or reconcile tick). A run in a `waiting_*` status waits for
 * what its wait names (an approval, an answer, the owner's review…).
 */
import { WAIT_STATUSES, type RunStatus } from './run-status.ts';

export type WaitCause = 'no_cluster' | 'cluster_offline' | 'no_free_slot' | 'queued' | 'approval' | 'owner_answer' | 'owner_review' | 'backpressure' | 'waiting';

export interface WaitFacts {
  status: RunStatus;
  /** `agent_runs.wait_reason` of a waiting run. */
  waitReason: string | null;
  clusterId: string | null;
  /** A live agent instance of the run's cluster exists now. */
  clusterOnline: boolean;
  slotsInUse: number;
  slots: number;
  createdAt: Date;
  waitSince: Date | null;
}

export type SlaState = 'ok' | 'late' | 'breached';

/** How long a run may wait before the console calls it late, and breached. */
export const WAIT_SLA_MS: Record<WaitCause, { late: number; breached: number }> = {
  queued: { late: 60_000, breached: 5 * 60_000 },
  no_free_slot: { late: 15 * 60_000, breached: 60 * 60_000 },
  no_cluster: { late: 0, breached: 5 * 60_000 },
  cluster_offline: { late: 60_000, breached: 10 * 60_000 },
  approval: { late: 60 * 60_000, breached: 24 * 60 * 60_000 },
  owner_answer: { late: 60 * 60_000, breached: 24 * 60 * 60_000 },
  owner_review: { late: 24 * 60 * 60_000, breached: 7 * 24 * 60 * 60_000 },
  backpressure: { late: 5 * 60_000, breached: 30 * 60_000 },
  waiting: { late: 60 * 60_000, breached: 24 * 60 * 60_000 },
};

const WAITING: ReadonlySet<string> = new Set(WAIT_STATUSES);

/** Null for a run that does not wait (running or finished). */
export function explainWait(f: WaitFacts, now: Date): { cause: WaitCause; since: Date; sla: SlaState } | null {
  let cause: WaitCause;
  let since: Date;
  if (f.status === 'pending') {
    cause = f.clusterId === null ? 'no_cluster' : !f.clusterOnline ? 'cluster_offline' : f.slotsInUse >= f.slots ? 'no_free_slot' : 'queued';
    since = f.createdAt;
  } else if (WAITING.has(f.status)) {
    cause = waitCauseOf(f.status, f.waitReason);
    since = f.waitSince ?? f.createdAt;
  } else {
    return null;
  }
  const waited = now.getTime() - since.getTime();
  const sla = WAIT_SLA_MS[cause];
  return { cause, since, sla: waited >= sla.breached ? 'breached' : waited >= sla.late ? 'late' : 'ok' };
}

function waitCauseOf(status: RunStatus, reason: string | null): WaitCause {
  if (status === 'waiting_owner_review') {
    return 'owner_review';
  }
  if (status === 'waiting_backpressure') {
    return 'backpressure';
  }
  if (reason === 'approval_pending') {
    return 'approval';
  }
  if (reason === 'interaction_response') {
    return 'owner_answer';
  }
  return 'waiting';
}
