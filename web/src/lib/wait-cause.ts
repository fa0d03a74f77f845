/**
 * Why a run waits and how late it is, in plain words for the wait queue
 * (docs/domain.md §8.3). The cause and SLA state come from the edge (policy
 * `explainWait`); the thresholds behind the SLA are the policy's `WAIT_SLA_MS`.
 */
import { WAIT_SLA_MS, type SlaState, type WaitCause } from '@stageline/policy';
import { formatDuration } from './format-duration.ts';

/** What the run needs to move on, for the run in the row. */
export function describeWaitCause(cause: WaitCause, run: { cluster_id: string | null; wait_reason: string | null }): string {
  switch (cause) {
    case 'no_cluster':
      return 'Its project has no cluster to run on. A platform admin must assign one.';
    case 'cluster_offline':
      return `No agent of cluster ${run.cluster_id ?? '(unknown)'} is connected.`;
    case 'no_free_slot':
      return 'Every slot of its project is busy; it starts when a run finishes.';
    case 'queued':
      return 'Next in line: an agent claims it on its next round.';
    case 'approval':
      return 'The agent asked for an approval that nobody has decided yet.';
    case 'owner_answer':
      return 'The agent asked a question and waits for the answer.';
    case 'owner_review':
      return 'Done for now: it waits for the owner to review the result.';
    case 'backpressure':
      return 'Held back because too much work is in flight.';
    case 'waiting':
      return run.wait_reason === null ? 'Waiting for something outside the run.' : `Waiting: ${run.wait_reason.replaceAll('_', ' ')}.`;
  }
}

/** A short name for the cause, for filters and counts. */
export const WAIT_CAUSE_LABELS: Record<WaitCause, string> = {
  no_cluster: 'No cluster',
  cluster_offline: 'Cluster offline',
  no_free_slot: 'No free slot',
  queued: 'Queued',
  approval: 'Approval',
  owner_answer: 'Answer',
  owner_review: 'Owner review',
  backpressure: 'Backpressure',
  waiting: 'Waiting',
};

export const SLA_LABELS: Record<SlaState, string> = { ok: 'On time', late: 'Late', breached: 'Breached' };

/** e.g. "Late after 1 min, breached after 5 min" for a queued run. */
export function describeSla(cause: WaitCause): string {
  const { late, breached } = WAIT_SLA_MS[cause];
  const lateText = late === 0 ? 'Late at once' : `Late after ${formatDuration(late)}`;
  return `${lateText}, breached after ${formatDuration(breached)}`;
}
