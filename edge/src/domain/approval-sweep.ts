/**
 * The owner loop's share of the cron tick (docs/domain.md §7.2, §7.5):
 * approval requests and questions past their deadline expire (their runs go on), approved secrets whose apply has
 * not reported back within a minute are sent again (the agent may have been
 * offline), and due pushes to HTTP approvers are retried.
 */
import { agentRuns } from '@stageline/db';
import { eq } from 'drizzle-orm';
import { overdueApprovals, touchApproval, unappliedApprovals } from '../db/approval-repo.ts';
import type { Db } from '../db/client.ts';
import { overdueInteractions } from '../db/interaction-repo.ts';
import { expireApproval, applyEffect } from './approvals.ts';
import { expireInteraction } from './interactions.ts';
import type { Effect } from './effects.ts';

const APPLY_RESEND_AFTER_MS = 60_000;

export async function sweepApprovals(db: Db, input: { dataKey: string; now: Date; limit?: number }): Promise<{ expired: number; resent: number; effects: Effect[] }> {
  const limit = input.limit ?? 100;
  const effects: Effect[] = [];
  const overdue = await overdueApprovals(db, input.now, limit);
  for (const request of overdue) {
    effects.push(...(await expireApproval(db, request.id, input.now)));
  }
  // Questions past their deadline wake their runs with `request_status: expired`.
  const unanswered = await overdueInteractions(db, input.now, limit);
  for (const question of unanswered) {
    effects.push(...(await expireInteraction(db, question.id, input.now)));
  }
  const stuck = await unappliedApprovals(db, new Date(input.now.getTime() - APPLY_RESEND_AFTER_MS), limit);
  for (const request of stuck) {
    const [run] = await db.select({ clusterId: agentRuns.clusterId, leaseOwner: agentRuns.leaseOwner }).from(agentRuns).where(eq(agentRuns.id, request.runId));
    if (run !== undefined) {
      effects.push(...(await applyEffect(request, run, input.dataKey)));
      await touchApproval(db, request.id, input.now);
    }
  }
  return { expired: overdue.length + unanswered.length, resent: stuck.length, effects };
}
