import { describe, expect, it } from 'vitest';
import { explainWait, type WaitFacts } from './wait-queue.ts';

const NOW = new Date('2026-12-05T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const pending = (over: Partial<WaitFacts> = {}): WaitFacts => ({ status: 'pending', waitReason: null, clusterId: 'c1', clusterOnline: true, slotsInUse: 0, slots: 2, createdAt: ago(10_000), waitSince: null, ...over });

describe('explainWait', () => {
  it.each<[string, Partial<WaitFacts>, string]>([
    ['no cluster bound', { clusterId: null }, 'no_cluster'],
    ['no live agent', { clusterOnline: false }, 'cluster_offline'],
    ['every slot taken', { slotsInUse: 2 }, 'no_free_slot'],
    ['just its turn', {}, 'queued'],
    ['an offline cluster outranks full slots', { clusterOnline: false, slotsInUse: 5 }, 'cluster_offline'],
  ])('pending: %s → %s', (_n, facts, cause) => {
    expect(explainWait(pending(facts), NOW)?.cause).toBe(cause);
  });

  it.each<[WaitFacts['status'], string | null, string]>([
    ['waiting_mcp', 'approval_pending', 'approval'],
    ['waiting_mcp', 'interaction_response', 'owner_answer'],
    ['waiting_owner_review', null, 'owner_review'],
    ['waiting_backpressure', null, 'backpressure'],
  ])('%s (%s) → %s, since the wait began', (status, waitReason, cause) => {
    const r = explainWait(pending({ status, waitReason, waitSince: ago(1000) }), NOW);
    expect(r).toMatchObject({ cause, since: ago(1000) });
  });

  it('a running or finished run does not wait', () => {
    expect(explainWait(pending({ status: 'running' }), NOW)).toBeNull();
    expect(explainWait(pending({ status: 'succeeded' }), NOW)).toBeNull();
  });

  it('grades the time waited against the cause', () => {
    expect(explainWait(pending({ createdAt: ago(10_000) }), NOW)?.sla).toBe('ok');
    expect(explainWait(pending({ createdAt: ago(2 * 60_000) }), NOW)?.sla).toBe('late');
    expect(explainWait(pending({ createdAt: ago(6 * 60_000) }), NOW)?.sla).toBe('breached');
    // Waiting for a person is expected to take longer.
    expect(explainWait(pending({ status: 'waiting_mcp', waitReason: 'approval_pending', waitSince: ago(6 * 60_000) }), NOW)?.sla).toBe('ok');
  });
});
