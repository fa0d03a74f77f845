/**
 * The end of a run's wait on a request (docs/domain.md §7.2, §7.5): a run
 * whose Job is alive goes on running (the agent reads the outcome with a
 * status call); a parked run (its Job ended while it waited) is woken as the
 * next attempt with the outcome as its resume payload, and its cluster hears
 * there is a run to claim.
 */
import { agentRuns } from '@stageline/db';
import { isParked, type ResumePayload } from '@stageline/policy';
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.ts';
import type { RunRow } from '../db/run-dto.ts';
import { applyChange } from '../db/run-repo.ts';
import { realtimeEffects, type Effect } from './effects.ts';

export async function lockRun(tx: DbOrTx, runId: string): Promise<RunRow | null> {
  const [run] = await tx.select().from(agentRuns).where(eq(agentRuns.id, runId)).for('update');
  return run ?? null;
}

export async function endWait(tx: DbOrTx, input: { runId: string; target: string; payload: ResumePayload; now: Date; actorId: string }): Promise<Effect[]> {
  const run = await lockRun(tx, input.runId);
  if (run === null || run.status !== 'waiting_mcp' || run.waitTarget !== input.target) {
    return [];
  }
  if (isParked(run)) {
    await tx.update(agentRuns).set({ resumePayload: input.payload as unknown as Record<string, unknown> }).where(eq(agentRuns.id, run.id));
    const woke = await applyChange(tx, { ...run, resumePayload: input.payload as unknown as Record<string, unknown> }, { kind: 'wake' }, input.now, input.actorId);
    if (woke.kind !== 'applied') {
      return [];
    }
    const announce: Effect[] = run.clusterId === null ? [] : [{ kind: 'announce_runs', clusterId: run.clusterId, runIds: [run.id] }];
    return [...realtimeEffects(woke.events), ...announce];
  }
  const resumed = await applyChange(tx, run, { kind: 'resume', newAttempt: false, owner: run.leaseOwner ?? '', epoch: run.leaseEpoch }, input.now, input.actorId);
  return resumed.kind === 'applied' ? realtimeEffects(resumed.events) : [];
}
