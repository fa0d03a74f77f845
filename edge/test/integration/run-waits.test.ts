// Waiting runs on the edge (docs/architecture.md, "Waits"): a wait keeps its
// lease alive through the holder's heartbeats, counts as active for the
// namespace sweeper, is taken over when its holder dies, and holds a project
// slot unless it waits for the owner's review.

import type { RunEvent } from '@stageline/policy';

import { describe, expect, it } from 'vitest';
import { applyRunEvent } from '../../src/db/run-repo.ts';
import { claimRuns, createRun, db, expireInstance, readyAgent as agent, runRow, seedCluster, type TestSocket } from '../helpers.ts';

const isType = (type: string) => (m: Record<string, unknown>) => m.type === type;
type Claimed = { runId: string; epoch: number; takeover: boolean };

const claim = (socket: TestSocket, limit = 10): Promise<Claimed[]> => claimRuns<Claimed>(socket, limit);

/** Apply one event through the edge's own transition path (no agent frame carries waits yet). */
async function apply(runId: string, clusterId: string, event: RunEvent): Promise<string> {
  const h = db();
  try {
    return (await applyRunEvent(h.db, { runId, clusterId, event, actorId: 'test', now: new Date() })).kind;
  } finally {
    await h.close();
  }
}

describe('a waiting run', () => {
  it.each([
    ['wait_mcp', 'waiting_mcp'],
    ['wait_owner_review', 'waiting_owner_review'],
  ] as const)('after %s: the lease is renewed, the run counts as active, and a dead holder\'s run is taken over with its wait', async (kind, status) => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const a = await agent(seeded.token, `${seeded.clusterId}/a`);
    expect((await claim(a)).map((r) => r.runId)).toEqual([runId]);
    expect(await apply(runId, seeded.clusterId, { kind, owner: `${seeded.clusterId}/a`, epoch: 1, reason: 'approval_pending', target: 'req-1' })).toBe('applied');
    const waiting = await runRow(runId);
    expect(waiting).toMatchObject({ status, waitReason: 'approval_pending', waitTarget: 'req-1' });
    expect(waiting?.waitSince).toBeInstanceOf(Date);

    a.send({ type: 'heartbeat', id: 'hb', runs: [{ runId, epoch: 1 }] });
    expect(await a.next(isType('heartbeat.result'))).toMatchObject({ ref: 'hb', lost: [] });
    a.send({ type: 'runs.query', id: 'q', runIds: [runId] });
    expect(await a.next(isType('runs.state'))).toMatchObject({ runs: [{ runId, status, active: true }] });

    const b = await agent(seeded.token, `${seeded.clusterId}/b`);
    expect(await claim(b)).toEqual([]);
    await expireInstance(`${seeded.clusterId}/a`);
    expect(await claim(b)).toEqual([expect.objectContaining({ runId, epoch: 2, takeover: true })]);
    expect(await runRow(runId)).toMatchObject({
      status,
      leaseOwner: `${seeded.clusterId}/b`,
      leaseEpoch: 2,
      waitReason: 'approval_pending',
      waitTarget: 'req-1',
      waitSince: waiting?.waitSince,
    });
  });

  it('keeps its project slot while it waits for MCP, and frees it in owner review', async () => {
    const seeded = await seedCluster({ slots: 1 });
    const first = await createRun(seeded.repoExternalId);
    const second = await createRun(seeded.repoExternalId);
    const owner = `${seeded.clusterId}/a`;
    const a = await agent(seeded.token, owner);
    expect((await claim(a)).map((r) => r.runId)).toEqual([first]);
    expect(await apply(first, seeded.clusterId, { kind: 'wait_mcp', owner, epoch: 1, reason: 'approval_pending', target: 'req-1' })).toBe('applied');
    expect(await claim(a)).toEqual([]);
    expect(await apply(first, seeded.clusterId, { kind: 'resume', owner, epoch: 1, newAttempt: false })).toBe('applied');
    expect(await apply(first, seeded.clusterId, { kind: 'wait_owner_review', owner, epoch: 1, reason: 'owner_review', target: 'pr' })).toBe('applied');
    expect((await claim(a)).map((r) => r.runId)).toEqual([second]);
  });

  it('resumed as a new attempt goes back to the queue and is claimed again under a new epoch, its wait time kept apart', async () => {
    const seeded = await seedCluster();
    const runId = await createRun(seeded.repoExternalId);
    const owner = `${seeded.clusterId}/a`;
    const a = await agent(seeded.token, owner);
    await claim(a);
    a.send({ type: 'run.status', id: 'started', runId, epoch: 1, status: 'running', jobName: `stageline-run-${runId}-1`, namespace: 'ns-1' });
    expect(await a.next(isType('ack'))).toMatchObject({ ref: 'started' });
    expect(await apply(runId, seeded.clusterId, { kind: 'wait_mcp', owner, epoch: 1, reason: 'interaction_response', target: 'int-1' })).toBe('applied');
    expect(await apply(runId, seeded.clusterId, { kind: 'resume', owner, epoch: 1, newAttempt: true })).toBe('applied');
    expect(await runRow(runId)).toMatchObject({ status: 'pending', leaseOwner: null, attemptNo: 2, jobName: null, waitReason: null, waitTarget: null });

    expect(await claim(a)).toEqual([expect.objectContaining({ runId, epoch: 2, takeover: false })]);
    const claimed = await runRow(runId);
    expect(claimed).toMatchObject({ status: 'running', attemptNo: 2, waitSince: null });
    expect(claimed?.waitedMs).toBeGreaterThanOrEqual(0);
  });
});
