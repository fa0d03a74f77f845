import { describe, expect, it } from 'vitest';
import { WAIT_CAUSES } from './ops-api.ts';
import { describeSla, describeWaitCause, SLA_LABELS, WAIT_CAUSE_LABELS } from './wait-cause.ts';

const run = { cluster_id: 'prod-eu-1', wait_reason: null };

describe('describeWaitCause', () => {
  it.each([
    ['no_cluster', 'Its project has no cluster to run on. A platform admin must assign one.'],
    ['cluster_offline', 'No agent of cluster prod-eu-1 is connected.'],
    ['no_free_slot', 'Every slot of its project is busy; it starts when a run finishes.'],
    ['queued', 'Next in line: an agent claims it on its next round.'],
    ['approval', 'The agent asked for an approval that nobody has decided yet.'],
    ['owner_answer', 'The agent asked a question and waits for the answer.'],
    ['owner_review', 'Done for now: it waits for the owner to review the result.'],
    ['backpressure', 'Held back because too much work is in flight.'],
    ['waiting', 'Waiting for something outside the run.'],
  ] as const)('%s → %s', (cause, text) => {
    expect(describeWaitCause(cause, run)).toBe(text);
  });

  it('names the wait reason of a generic wait in words', () => {
    expect(describeWaitCause('waiting', { cluster_id: null, wait_reason: 'secret_sync_pending' })).toBe('Waiting: secret sync pending.');
  });

  it('has a short label for every cause the edge sends', () => {
    expect(Object.keys(WAIT_CAUSE_LABELS).sort()).toEqual([...WAIT_CAUSES].sort());
    for (const cause of WAIT_CAUSES) {
      expect(describeWaitCause(cause, run).length).toBeGreaterThan(10);
    }
  });
});

describe('describeSla', () => {
  it('states the thresholds of the policy', () => {
    expect(describeSla('queued')).toBe('Late after 1 min, breached after 5 min');
    expect(describeSla('no_cluster')).toBe('Late at once, breached after 5 min');
    expect(describeSla('owner_review')).toBe('Late after 1 d, breached after 7 d');
    expect(SLA_LABELS).toEqual({ ok: 'On time', late: 'Late', breached: 'Breached' });
  });
});
